package safetensors

// dtypeInfo describes one dtype name of the safetensors format.
type dtypeInfo struct {
	bits      uint64 // bits per element
	supported bool   // converted to float32 by ReadFloat32
}

// lookupDType returns the description of every dtype name the reference
// implementation knows. Only F32, F16, BF16 and F64 can be read as float32;
// the others are well-formed but unsupported. A name it does not know is
// malformed. A switch, not a map, so that there is no mutable global.
func lookupDType(name string) (dtypeInfo, bool) {
	switch name {
	case "F32":
		return dtypeInfo{bits: 32, supported: true}, true
	case "F16", "BF16":
		return dtypeInfo{bits: 16, supported: true}, true
	case "F64":
		return dtypeInfo{bits: 64, supported: true}, true
	case "F4":
		return dtypeInfo{bits: 4}, true
	case "F6_E2M3", "F6_E3M2":
		return dtypeInfo{bits: 6}, true
	case "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ":
		return dtypeInfo{bits: 8}, true
	case "I16", "U16":
		return dtypeInfo{bits: 16}, true
	case "I32", "U32":
		return dtypeInfo{bits: 32}, true
	case "C64", "I64", "U64":
		return dtypeInfo{bits: 64}, true
	}
	return dtypeInfo{}, false
}

// KnownDType reports whether name is a dtype of the safetensors format
// (BOOL, F4, F6_E2M3, F6_E3M2, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0,
// F8_E4M3FNUZ, F8_E5M2FNUZ, I16, U16, F16, BF16, I32, U32, F32, C64, F64,
// I64, U64).
func KnownDType(name string) bool {
	_, ok := lookupDType(name)
	return ok
}

// SupportedDType reports whether tensors of dtype name can be read with
// [File.ReadFloat32]: F32, F16, BF16 and F64.
func SupportedDType(name string) bool {
	d, _ := lookupDType(name)
	return d.supported
}

// internDType returns the dtype name spelled by b as a constant string, so
// that parsing a header does not allocate one string per tensor.
func internDType(b []byte) (string, bool) {
	for _, name := range [...]string{"F32", "F16", "BF16", "F64", "BOOL", "F4", "F6_E2M3", "F6_E3M2",
		"U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ",
		"I16", "U16", "I32", "U32", "C64", "I64", "U64"} {
		if string(b) == name {
			return name, true
		}
	}
	return "", false
}
