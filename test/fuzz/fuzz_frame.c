/* fuzz_frame: the frames of a relay batch (agent/frame.c), which the relay
 * and the server read from nodes and relays they do not trust. */
#include <errno.h>
#include <string.h>

#include "frame.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame f;
	size_t off = 0, prev;
	int rc, n = 0;

	for (;;) {
		prev = off;
		rc = frame_next(data, size, &off, 4096, &f);
		if (rc != 0)
			break;
		/* A frame lies inside the batch, and decoding moves on. */
		FUZZ_ASSERT(off > prev && off <= size);
		FUZZ_ASSERT(f.body >= data && f.body + f.len <= data + size);
		FUZZ_ASSERT(frame_token_valid(f.token, f.token_len));
		FUZZ_ASSERT(f.seq >= 1 && f.seq <= FRAME_SEQ_MAX);
		FUZZ_ASSERT(f.interval >= 1 && f.interval <= FRAME_INTERVAL_MAX);
		FUZZ_ASSERT(f.len <= 4096);
		/* What decodes encodes again, and to the same frame. */
		{
			struct pbuf b;
			struct frame g;
			size_t o2 = 0;

			pbuf_init(&b, 8192);
			FUZZ_ASSERT(frame_encode(&b, &f) == 0);
			FUZZ_ASSERT(frame_next((const unsigned char *)b.data,
					       b.len, &o2, 4096, &g) == 0);
			FUZZ_ASSERT(o2 == b.len && g.seq == f.seq &&
				    g.len == f.len && g.gzip == f.gzip &&
				    g.replay == f.replay &&
				    g.interval == f.interval &&
				    g.token_len == f.token_len &&
				    memcmp(g.body, f.body, f.len) == 0);
			pbuf_free(&b);
		}
		if (++n > 1000)
			break;
	}
	FUZZ_ASSERT(rc != 0 || n > 1000);
	FUZZ_ASSERT(rc == 1 || rc == 0 || rc == -EBADMSG || rc < 0);
	return 0;
}
