package safetensors

import "testing"

// TestDTypes checks the dtype table against the reference's list and
// widths, and that internDType knows exactly the same names.
func TestDTypes(t *testing.T) {
	t.Parallel()
	want := map[string]uint64{
		"BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8,
		"F8_E8M0": 8, "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8, "I16": 16, "U16": 16, "F16": 16, "BF16": 16,
		"I32": 32, "U32": 32, "F32": 32, "C64": 64, "F64": 64, "I64": 64, "U64": 64,
	}
	for name, bits := range want {
		info, ok := lookupDType(name)
		if !ok || info.bits != bits {
			t.Errorf("%s: %+v %v, want %d bits", name, info, ok, bits)
		}
		if got, ok := internDType([]byte(name)); !ok || got != name {
			t.Errorf("internDType(%s) = %q %v", name, got, ok)
		}
		if SupportedDType(name) != (name == "F32" || name == "F16" || name == "BF16" || name == "F64") {
			t.Errorf("SupportedDType(%s) = %v", name, SupportedDType(name))
		}
	}
	for _, name := range []string{"", "f32", "F32 ", "FLOAT", "Q4_0", "F8", "I4", "BF32"} {
		if KnownDType(name) {
			t.Errorf("KnownDType(%q) = true", name)
		}
		if _, ok := internDType([]byte(name)); ok {
			t.Errorf("internDType(%q) = true", name)
		}
	}
}

// TestEscapedMembers checks that escapes in names, member names and dtype
// are resolved (the file is valid, just not canonical).
func TestEscapedMembers(t *testing.T) {
	t.Parallel()
	b := raw(`{"\u0061":{"d\u0074ype":"F\u0033\u0032","shape":[2],"data_offsets":[0,8]}}`, 8)
	f := mustOpen(t, b)
	if dt, shape, ok := f.TensorInfo("a"); !ok || dt != "F32" || len(shape) != 1 {
		t.Fatalf("TensorInfo(a) = %s %v %v", dt, shape, ok)
	}
}
