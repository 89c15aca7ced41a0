package hooks

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "lock")
	unlock, err := lock(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan time.Time)
	go func() {
		unlock2, err := lock(context.Background(), path)
		if err != nil {
			t.Error(err)
		} else {
			unlock2()
		}
		got <- time.Now()
	}()
	time.Sleep(50 * time.Millisecond)
	released := time.Now()
	unlock()
	if at := <-got; at.Before(released) {
		t.Error("the second lock was taken while the first was held")
	}

	unlock, _ = lock(context.Background(), path)
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := lock(ctx, path); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting past the context: %v", err)
	}
}
