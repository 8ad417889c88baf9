//go:build !race

package juliabson_test

const raceEnabled = false
