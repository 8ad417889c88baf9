package cpupeak

// sink keeps a result alive so the compiler cannot drop the loop; the
// comparison is never true for the values fmaGo produces.
func sink(v float32) {
	if v == 1e38 {
		panic("cpupeak: impossible value")
	}
}
