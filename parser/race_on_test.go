//go:build race

package parser

// raceEnabled: the race detector disables sync.Pool reuse (regexp's
// machines), so allocation figures mean nothing under it.
const raceEnabled = true
