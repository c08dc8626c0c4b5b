/* datadir.h: the data directory: one server at a time, a database made
 * on purpose and never silently replaced. */
#ifndef PODBOOT_DATADIR_H
#define PODBOOT_DATADIR_H

#include <stddef.h>

#define DATADIR_LOCK "serve.lock"
#define DATADIR_MARKER "store.id"
#define DATADIR_DB "podboot.db"
#define DATADIR_ID_LEN 32	/* hex digits of a database's identity */

/**
 * Take the data directory's exclusive lock, without waiting, and write
 * this process's PID into the lock file.  Held until datadir_unlock().
 *
 * @v dir		the data directory (exists)
 * @v fd		receives the lock file's descriptor
 * @ret rc		0; -EBUSY (logged with the holder's PID) if another
 *			process holds it; another negative error
 */
int datadir_lock(const char *dir, int *fd);

/**
 * datadir_lock(), or with @shared a shared lock: replicas on one
 * PostgreSQL share their data directory (artifact blobs, the node token
 * secret), and each holds it shared, so that a server on SQLite, which
 * takes it exclusively, cannot start beside them (nor they beside it).
 * A shared holder writes no PID.
 *
 * @ret rc		as datadir_lock()
 */
int datadir_lock_mode(const char *dir, int *fd, int shared);

/** Release a lock from datadir_lock(), emptying the PID; -1 is fine. */
void datadir_unlock(int fd);

/* What datadir_store_check() found. */
enum datadir_store {
	DATADIR_FRESH,		/* no database, no marker: create one */
	DATADIR_EXISTING,	/* a database that looks whole: open it */
	DATADIR_ADOPT,		/* a database without marker (older podboot,
				 * or a restored backup): open, then mark */
};

/**
 * Decide, without opening SQLite and without changing anything, whether
 * the database in @dir may be opened or created.  A marker says that the
 * directory's database was created; a marked directory whose database is
 * missing, empty, not SQLite or shorter than its header says is refused
 * with one line naming the way to recover.
 *
 * @v out		receives what was found
 * @v marker		receives the marker's identity ("" if none)
 * @ret rc		0 or -PB_ESTORE (logged)
 */
int datadir_store_check(const char *dir, enum datadir_store *out,
			char marker[DATADIR_ID_LEN + 1]);

/**
 * Record that @dir's database with identity @id was created (or adopted):
 * written atomically, then the directory synced.
 */
int datadir_mark(const char *dir, const char *id);

/**
 * Log the one line that tells an operator how to recover from a database
 * that cannot be used: @why names what is wrong with @path.
 */
void datadir_refuse(const char *path, const char *why);

/**
 * Move a refused database, its WAL and shared-memory files and the marker
 * aside (NAME.broken-UNIXTIME), so that a new database can be created:
 * nothing is deleted.
 */
int datadir_set_aside(const char *dir);

#endif
