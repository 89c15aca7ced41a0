package rewrite

import (
	"reflect"
	"testing"
)

func TestPinDepends(t *testing.T) {
	pins := map[string]string{"library1": "1.0.59.1", "library2": "2.0.12", "meta": "3.1.71.1"}
	for _, tc := range []struct {
		name    string
		in, out string
		found   []string
	}{
		{name: "bare name gets a relation",
			in:    "Package: meta\nDepends: library1, library2\n",
			out:   "Package: meta\nDepends: library1 (= 1.0.59.1), library2 (= 2.0.12)\n",
			found: []string{"library1", "library2"}},
		{name: "any relation becomes exact",
			in:    "Depends: library1 (>= 1.0), library2(<< 3)\n",
			out:   "Depends: library1 (= 1.0.59.1), library2(= 2.0.12)\n",
			found: []string{"library1", "library2"}},
		{name: "other packages, substvars, alternatives and qualifiers stay",
			in:    "Depends: ${misc:Depends}, python (>= 2.5), library1:any [amd64] <!nocheck> | other (= 1), library10\n",
			out:   "Depends: ${misc:Depends}, python (>= 2.5), library1:any (= 1.0.59.1) [amd64] <!nocheck> | other (= 1), library10\n",
			found: []string{"library1"}},
		{name: "continuation lines and CRLF",
			in:    "Depends: python,\r\n library1 (>= 1),\r\n\tlibrary2\r\nDescription: uses library1\r\n",
			out:   "Depends: python,\r\n library1 (= 1.0.59.1),\r\n\tlibrary2 (= 2.0.12)\r\nDescription: uses library1\r\n",
			found: []string{"library1", "library2"}},
		{name: "only Depends fields, in every paragraph",
			in: "Source: meta\nBuild-Depends: library1\n\nPackage: meta\nPre-Depends: library2\nRecommends: library1\nDepends: library2\n" +
				"# Depends: library1\n\nPackage: meta-doc\ndepends: meta\n",
			out: "Source: meta\nBuild-Depends: library1\n\nPackage: meta\nPre-Depends: library2\nRecommends: library1\nDepends: library2 (= 2.0.12)\n" +
				"# Depends: library1\n\nPackage: meta-doc\ndepends: meta (= 3.1.71.1)\n",
			found: []string{"library2", "meta"}},
		{name: "names compare case-insensitively; a name that only starts like one does not count",
			in:    "Depends: Library1, library1-data, xlibrary2\n",
			out:   "Depends: Library1 (= 1.0.59.1), library1-data, xlibrary2\n",
			found: []string{"library1"}},
		{name: "nothing to pin", in: "Depends: python\n", out: "Depends: python\n"},
		{name: "no final newline", in: "Depends: library1", out: "Depends: library1 (= 1.0.59.1)", found: []string{"library1"}},
	} {
		got, found := PinDepends([]byte(tc.in), pins)
		if string(got) != tc.out {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.out)
		}
		want := map[string]bool{}
		for _, name := range tc.found {
			want[name] = true
		}
		if !reflect.DeepEqual(found, want) {
			t.Errorf("%s: found %v, want %v", tc.name, found, want)
		}
	}
}

func TestControlPackages(t *testing.T) {
	in := "Source: meta\nBuild-Depends: debhelper\n\nPackage: python-meta\nDepends: x\n\npackage:  meta-doc \nArchitecture: all\n"
	if got, want := ControlPackages([]byte(in)), []string{"python-meta", "meta-doc"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ControlPackages = %q, want %q", got, want)
	}
}

func TestControlIsNoVersionTarget(t *testing.T) {
	targets, err := Targets(t.TempDir(), []string{"VERSION", "debian/control", "pkg/debian/control"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) != 1 || targets[0].Name != "VERSION" {
		t.Errorf("targets = %+v, want only VERSION", targets)
	}
	if got, want := ControlFiles([]string{"VERSION", "./debian/control", "pkg/debian/control"}), []string{"debian/control", "pkg/debian/control"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ControlFiles = %q, want %q", got, want)
	}
}
