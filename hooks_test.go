package citools_test

import (
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestHooks runs the scripts in testdata/script/hooks: git-version
// install-hooks in real repositories, then commits, checkouts, merges and
// rebases as a user types them. $SHIMS is the repository's hooks/ folder,
// which the installed hooks must equal.
func TestHooks(t *testing.T) {
	params := scriptParams("hooks")
	shims, err := filepath.Abs("hooks")
	if err != nil {
		t.Fatal(err)
	}
	setup := params.Setup
	params.Setup = func(env *testscript.Env) error {
		env.Setenv("SHIMS", shims)
		return setup(env)
	}
	testscript.Run(t, params)
}
