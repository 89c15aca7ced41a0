package pgtest_test

import (
	"context"
	"testing"

	"github.com/citools/citools/internal/pgtest"
)

func TestStartQueryStop(t *testing.T) {
	ctx := context.Background()
	srv, err := pgtest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	rows, err := srv.Query(ctx, "postgres", "SELECT current_user, NULL::text, 1+1")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || *rows[0][0] != pgtest.Superuser || rows[0][1] != nil || *rows[0][2] != "2" {
		t.Fatalf("unexpected rows %v", rows)
	}
}
