package hsds

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func tr(key string, args ...any) string {
	if len(args) == 0 {
		return key
	}
	return key + fmt.Sprintf("%v", args)
}

// A document that follows the schemas reads back; fields Opora does not
// keep are listed, each with where it was first and how often.
func TestReadValidDocument(t *testing.T) {
	doc := `[{"id": "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "name": "Детский сад № 12", "description": "",
		"year_incorporated": 1990,
		"services": [{"id": "a9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "name": "Группа", "status": "active",
			"languages": [{"id": "b9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "name": "ru"}],
			"attributes": [{"id": "c9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "link_type": "need", "taxonomy_term_id": "4cd7e977-82d2-483c-835b-9144d8173c87"}]},
			{"id": "e9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "name": "Вторая", "status": "inactive",
			"languages": [{"id": "f9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "name": "ru"}]}]}]`
	d, err := Read([]byte(doc))
	if err != nil || len(d.Problems) > 0 {
		t.Fatalf("read: %v %+v", err, d.Problems)
	}
	if len(d.Organizations) != 1 || len(d.Organizations[0].Services) != 2 || d.Organizations[0].Services[0].Attributes[0].TermID() != "4cd7e977-82d2-483c-835b-9144d8173c87" {
		t.Fatalf("organisations: %+v", d.Organizations)
	}
	got := fmt.Sprint(d.Skipped)
	for _, want := range []string{"{organization year_incorporated 1 [0].year_incorporated }", "{service languages 2 [0].services[0].languages }",
		"{attribute link_type 1 [0].services[0].attributes[0].link_type }"} {
		if !strings.Contains(got, want) {
			t.Errorf("skipped %s, want %s", got, want)
		}
	}
	// An HSDS API page reads too.
	if d, err := Read([]byte(`{"total_items": 1, "contents": ` + doc + `}`)); err != nil || len(d.Problems) > 0 || len(d.Organizations) != 1 {
		t.Fatalf("a page: %v %+v", err, d)
	}
}

// Schema violations come back with their path and entity.
func TestReadProblems(t *testing.T) {
	doc := `[{"id": "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "name": "Детский сад № 12", "description": "",
		"services": [{"id": "not-a-uuid", "name": "Группа", "status": "open"}],
		"locations": [{"id": "a9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "location_type": "physical", "latitude": "55"}]},
		{"id": "b9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "description": ""}]`
	d, err := Read([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range d.Problems {
		got = append(got, p.Path+" "+p.Entity+" "+p.EntityName+" "+p.Message(tr))
	}
	want := []string{
		"[0].locations[0].latitude location a9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610 hsds.error.type[Got hsds.type.string Want hsds.type.number]",
		"[0].services[0].id service Группа hsds.error.format[Format hsds.format.uuid Got not-a-uuid]",
		"[0].services[0].status service Группа hsds.error.enum[Got open Want active, inactive, defunct, temporarily closed]",
		"[1] organization b9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610 hsds.error.required[Field name]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(d.Organizations) != 0 {
		t.Errorf("a refused file still gave organisations")
	}
	for _, bad := range []string{`{"a": 1}`, `[{"id": `, "[\"x\u0000\"]"} {
		d, err := Read([]byte(bad))
		if err != nil || len(d.Problems) == 0 {
			t.Errorf("%q: %v %+v", bad, err, d)
		}
	}
}

// The embedded schemas are HSDS 3.0's own, unchanged: byte for byte the
// shared reference copy when it is there (not on a fresh clone), and every
// object's schema compiles with its references.
func TestSchemasAreTheOfficialOnes(t *testing.T) {
	entries, err := fs.ReadDir(Schemas(), ".")
	if err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join("..", "..", "..", "shared", "reference", "hsds-3", "schema")
	_, statErr := os.Stat(ref)
	n := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		n++
		if _, err := EntitySchema(strings.TrimSuffix(name, ".json")); err != nil {
			t.Errorf("%s does not compile: %v", name, err)
		}
		if statErr != nil {
			continue
		}
		ours, _ := fs.ReadFile(Schemas(), name)
		theirs, err := os.ReadFile(filepath.Join(ref, name))
		if err != nil || !bytes.Equal(ours, theirs) {
			t.Errorf("%s differs from the shared reference copy (%v)", name, err)
		}
	}
	if n != 21 {
		t.Errorf("%d schemas embedded, want HSDS 3.0's 21 objects", n)
	}
	if statErr != nil {
		t.Logf("no shared reference copy at %s: compared nothing", ref)
	}
}
