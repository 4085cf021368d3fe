package observe

// lru is a fixed-capacity map from session key to fingerprint that evicts
// the least recently used entry. Entries live in one slice linked by
// index, so the table allocates only when a new session arrives. It is not
// safe for concurrent use; DriftDetector locks around it.
type lru struct {
	index      map[string]int32
	entries    []lruEntry
	head, tail int32 // most and least recently used; -1 when empty
	capacity   int
}

type lruEntry struct {
	key        string
	fp         Fingerprint
	prev, next int32
}

func (l *lru) init(capacity int) {
	l.index = make(map[string]int32, capacity)
	l.capacity = capacity
	l.head, l.tail = -1, -1
}

// swap stores fp under key, marks it most recently used, and returns the
// previous fingerprint and whether there was one.
func (l *lru) swap(key string, fp Fingerprint) (prev Fingerprint, ok bool) {
	if i, found := l.index[key]; found {
		e := &l.entries[i]
		prev, e.fp = e.fp, fp
		l.moveToFront(i)
		return prev, true
	}
	var i int32
	if len(l.entries) < l.capacity {
		i = int32(len(l.entries))
		l.entries = append(l.entries, lruEntry{prev: -1, next: -1})
	} else {
		i = l.tail
		l.unlink(i)
		delete(l.index, l.entries[i].key)
	}
	l.entries[i].key, l.entries[i].fp = key, fp
	l.index[key] = i
	l.pushFront(i)
	return Fingerprint{}, false
}

func (l *lru) moveToFront(i int32) {
	if l.head == i {
		return
	}
	l.unlink(i)
	l.pushFront(i)
}

func (l *lru) unlink(i int32) {
	e := &l.entries[i]
	if e.prev >= 0 {
		l.entries[e.prev].next = e.next
	} else {
		l.head = e.next
	}
	if e.next >= 0 {
		l.entries[e.next].prev = e.prev
	} else {
		l.tail = e.prev
	}
	e.prev, e.next = -1, -1
}

func (l *lru) pushFront(i int32) {
	e := &l.entries[i]
	e.prev, e.next = -1, l.head
	if l.head >= 0 {
		l.entries[l.head].prev = i
	}
	l.head = i
	if l.tail < 0 {
		l.tail = i
	}
}
