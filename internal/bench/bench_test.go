package bench_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/bench"
	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
	"github.com/opora-project/opora/internal/web"
)

func init() { auth.SetParamsForTests() }

// serve starts the real web server on the store.
func serve(t *testing.T, st *store.Store) string {
	t.Helper()
	s, err := web.New(st, i18n.MustLoad(), web.Config{Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestBenchRefusesADatabaseTheGeneratorDidNotFill(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		fx := storetest.SetupOrg(t, st, "Ночлежка")
		o := bench.Options{URL: "http://127.0.0.1:1", Store: storetest.Options(t, st), Login: "admin", Password: "x", Smoke: true}
		_, err := bench.Run(ctx, o)
		var ng *bench.NotGeneratedError
		if !errors.As(err, &ng) || err.Error() != "this database was not filled by the generator: run `opora demo --clients 1000000` first" {
			t.Fatalf("bench on an ordinary database: %v", err)
		}
		actx := opora.WithActor(ctx, opora.SystemActor(fx.Org.ID))
		if err := st.StartGeneratorRun(actx, &store.GeneratorRun{OrganisationID: fx.Org.ID, Seed: 1, Target: 5000}); err != nil {
			t.Fatal(err)
		}
		_, err = bench.Run(ctx, o)
		if !errors.As(err, &ng) || !strings.Contains(err.Error(), "the generator run is unfinished (0 of 5000 clients)") {
			t.Fatalf("bench on an unfinished generator run: %v", err)
		}
	})
}

func TestBenchRefusesADatabaseWithoutOporaTables(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "opora.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE something_else (a INTEGER)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = bench.Run(context.Background(), bench.Options{URL: "http://127.0.0.1:1", Store: store.Options{DataDir: dir}, Smoke: true})
	var ng *bench.NotGeneratedError
	if !errors.As(err, &ng) {
		t.Fatalf("bench on a database without Opora's tables: %v", err)
	}
}
