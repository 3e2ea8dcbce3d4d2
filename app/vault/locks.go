package vault

import (
	"context"
	"sync"
)

// itemLocks hands out one lock per keychain user name, so the several
// calls of a chunked write, read or delete of an item never interleave
// with another operation on the same item. Waiting honours ctx.
type itemLocks struct {
	mu    sync.Mutex
	locks map[string]chan struct{}
}

// lock waits for the item's lock and returns its unlock function, or
// ctx.Err() when ctx ends first. Locks are never freed: the vault has a
// handful of items (one per account at most).
func (l *itemLocks) lock(ctx context.Context, user string) (func(), error) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = make(map[string]chan struct{})
	}
	ch, ok := l.locks[user]
	if !ok {
		ch = make(chan struct{}, 1)
		l.locks[user] = ch
	}
	l.mu.Unlock()

	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
