package store

// SplitRangesFrom makes grouped ranges reports split from client number n
// on (splitRanges) until the returned function puts the default back.
func SplitRangesFrom(n int64) (restore func()) {
	old := splitRangesFrom.Swap(n)
	return func() { splitRangesFrom.Store(old) }
}
