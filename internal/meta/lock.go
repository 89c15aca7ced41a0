package meta

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockPoll is how often a held lock is tried again; patience is how long
// before the wait is worth a word.
const (
	lockPoll = 50 * time.Millisecond
	patience = 2 * time.Second
)

// lock takes an exclusive advisory lock on path (created if need be), so that
// runs sharing a cache take turns on each mirror. It polls rather than
// blocks so that Ctrl-C still ends the wait; waiting, when not nil, is
// called once if the wait is long. The kernel drops the lock if the process
// dies, so a crashed run never leaves a mirror locked.
func lock(ctx context.Context, path string, waiting func()) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	told := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if !told && waiting != nil && time.Since(start) > patience {
			waiting()
			told = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(lockPoll):
		}
	}
}
