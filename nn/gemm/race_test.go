//go:build race

package gemm

// raceEnabled reports whether the race detector is on; big sizes are
// skipped under it because the naive reference becomes very slow.
const raceEnabled = true
