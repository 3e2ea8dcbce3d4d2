// Package schedlock decides which process runs the meeting sync for one
// config folder: the window or the background helper (issue 14), never
// both, and never nobody for long.
//
// # Files (in the config folder, mode 0600, never deleted)
//
//   - scheduler.lock: held by the scheduler, whichever role it has.
//   - window.lock: held by a window from the moment it asks for the
//     scheduler until it releases it. Its presence is the request to hand
//     over.
//   - background.lock: held by a background helper for its whole life
//     (ClaimBackground), so a second helper, started by the login entry
//     and by the window at once, can see the first and exit.
//
// Each is held with an OS advisory lock on an open file: flock(2) on Linux,
// macOS and the BSDs (per open file, so closing another descriptor of the
// same file, even in the same process, does not drop it), and LockFileEx on
// Windows (on one byte far past the end of the file, so the holder info
// stays readable). The OS drops the lock when the holder exits, crashes or
// is killed, so a dead holder never blocks anyone. The files are never
// removed: removing a locked file lets a second process lock a new file of
// the same name, and both would hold "the" lock. A holder that finds its
// file replaced anyway (someone deleted the folder) gives the lease up.
//
// Each file also holds a line of JSON, {"role", "pid", "since"}, for
// display only (Holder, BackgroundRunning): whether anyone holds a file is
// decided by the lock alone, so info left behind by a dead process is
// ignored.
//
// # Handover
//
//	window opens        holds window.lock, polls scheduler.lock every WindowPoll
//	background holder   sees window.lock held at its next check (CheckInterval),
//	                    closes Lost(); the caller stops its sync, then Release()
//	window              gets scheduler.lock at its next poll
//	background          Acquire waits while window.lock is held
//	window closes/dies  window.lock and scheduler.lock are released
//	background          gets scheduler.lock at its next check
//
// The background holder releases only when its caller says so (Release),
// after its sync has stopped, so there is no moment at which both sync.
// With the defaults the window takes over within CheckInterval + WindowPoll
// (2.25 s) plus the time the helper needs to stop, and the helper resumes
// within CheckInterval of the window's exit. A waiting or holding helper
// checks window.lock every CheckInterval: two or three system calls every
// two seconds, so its idle CPU stays near zero (BenchmarkWindowCheck).
package schedlock
