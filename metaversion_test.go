package citools_test

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMetaversion(t *testing.T) {
	testscript.Run(t, scriptParams("metaversion"))
}
