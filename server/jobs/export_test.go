package jobs

// StoredPayloads counts the payloads m still holds.
func (m *Memory) StoredPayloads() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, j := range m.jobs {
		if j.payload != nil {
			n++
		}
	}
	return n
}
