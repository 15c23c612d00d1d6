package tokens

// Fetching reports whether a fetch is in progress. Token starts a fetch
// before it returns, so tests use this to assert that a call started none.
func (s *Source) Fetching() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flight != nil
}
