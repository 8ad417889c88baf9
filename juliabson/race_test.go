//go:build race

package juliabson_test

// raceEnabled is true under the race detector, whose instrumentation makes
// the allocation-heavy measurements slow and meaningless.
const raceEnabled = true
