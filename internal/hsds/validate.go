package hsds

import (
	"bytes"
	"crypto/sha1"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

//go:embed schema/*.json
var schemaFS embed.FS

// Schemas are the official HSDS 3.0 object schemas (schema/*.json).
func Schemas() fs.FS {
	sub, _ := fs.Sub(schemaFS, "schema")
	return sub
}

// schemaBase is where the schemas live in HSDS's repository; their $refs
// ("service.json") resolve against it. Nothing is fetched: every schema
// is added to the compiler from the embedded copies.
const schemaBase = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"

// documentSchema is the document: an array of organizations
// (organization.json), each with its services (service.json) — the shape
// of HSDS's fully nested organization with full_service.
const documentSchema = `{
	"$schema": "https://json-schema.org/draft/2020-12/schema",
	"type": "array",
	"items": {
		"$ref": "organization.json",
		"properties": {"services": {"type": "array", "items": {"$ref": "service.json"}}}
	}
}`

var compiled struct {
	once sync.Once
	doc  *jsonschema.Schema
	err  error
}

// Schema is the compiled schema of a document (formats asserted: uuid,
// email, uri, date-time).
func Schema() (*jsonschema.Schema, error) {
	compiled.once.Do(func() {
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		c.AssertFormat()
		entries, err := fs.ReadDir(schemaFS, "schema")
		if err != nil {
			compiled.err = err
			return
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".json") {
				continue
			}
			raw, err := schemaFS.ReadFile("schema/" + e.Name())
			if err != nil {
				compiled.err = err
				return
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				compiled.err = fmt.Errorf("hsds: schema %s: %w", e.Name(), err)
				return
			}
			if err := c.AddResource(schemaBase+e.Name(), doc); err != nil {
				compiled.err = fmt.Errorf("hsds: schema %s: %w", e.Name(), err)
				return
			}
		}
		doc, _ := jsonschema.UnmarshalJSON(strings.NewReader(documentSchema))
		if err := c.AddResource(schemaBase+"opora-document.json", doc); err != nil {
			compiled.err = err
			return
		}
		compiled.doc, compiled.err = c.Compile(schemaBase + "opora-document.json")
	})
	return compiled.doc, compiled.err
}

// EntitySchema compiles one object's official schema ("service"), for
// tests that check every exported entity on its own.
func EntitySchema(object string) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	entries, err := fs.ReadDir(schemaFS, "schema")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		raw, _ := schemaFS.ReadFile("schema/" + e.Name())
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		if err := c.AddResource(schemaBase+e.Name(), doc); err != nil {
			return nil, err
		}
	}
	return c.Compile(schemaBase + object + ".json")
}

// Problem is one thing wrong with a document: where (Path, "[0].services[1].status";
// the entity there and its name) and what (a catalog key with its args).
type Problem struct {
	Path       string
	Entity     string // HSDS object: "organization", "service", … ("" for the document)
	EntityName string // its name, number or id
	Key        string // catalog key, "hsds.error.…"
	Args       map[string]string
}

// Message words the problem with t (a catalog lookup: key and pairs of
// name and value): the types and formats named in Args are catalog keys
// too ("hsds.type.string", "hsds.format.uuid").
func (p Problem) Message(t func(key string, args ...any) string) string {
	var args []any
	names := make([]string, 0, len(p.Args))
	for k := range p.Args {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		v := p.Args[k]
		switch k {
		case "Want", "Got":
			if p.Key == "hsds.error.type" {
				var words []string
				for _, w := range strings.Split(v, ",") {
					words = append(words, t("hsds.type."+w))
				}
				v = strings.Join(words, ", ")
			}
		case "Format":
			v = t("hsds.format." + v)
		}
		args = append(args, k, v)
	}
	return t(p.Key, args...)
}

// Skipped is a field of the file that Opora does not keep: which object's
// field, how many times, and where it was first.
type Skipped struct {
	Entity string
	Field  string
	Count  int
	First  string
	Reason string // catalog key; "" for "Опора не хранит это поле"
}

// Document is a read and validated file.
type Document struct {
	Organizations []*Organization
	Problems      []Problem // nothing may be imported when there are any
	Skipped       []Skipped
}

// Read reads a document and checks it against the official schemas. A
// file that is not JSON, not an array of organizations, or violates a
// schema comes back with Problems (and no organizations); the error is
// only for a broken installation (the schemas do not compile).
func Read(data []byte) (*Document, error) {
	sch, err := Schema()
	if err != nil {
		return nil, err
	}
	d := &Document{}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		line, col := 1, 1
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col = position(data, se.Offset)
		} else if errors.Is(err, io.ErrUnexpectedEOF) {
			line, col = position(data, int64(len(data)))
		}
		d.Problems = append(d.Problems, Problem{Key: "hsds.error.json",
			Args: map[string]string{"Line": strconv.Itoa(line), "Col": strconv.Itoa(col)}})
		return d, nil
	}
	items := inst
	prefix := ""
	if obj, ok := inst.(map[string]any); ok {
		if c, ok := obj["contents"].([]any); ok {
			items, prefix = c, "contents"
		}
	}
	arr, ok := items.([]any)
	if !ok {
		d.Problems = append(d.Problems, Problem{Key: "hsds.error.shape"})
		return d, nil
	}
	if err := sch.Validate(arr); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return nil, fmt.Errorf("hsds: validate: %w", err)
		}
		d.Problems = problems(arr, prefix, ve)
	}
	walkStrings(arr, prefix, func(path string, s string) {
		if strings.ContainsRune(s, 0) {
			d.Problems = append(d.Problems, Problem{Path: path, Key: "hsds.error.nul"})
		}
	})
	if len(d.Problems) > 0 {
		return d, nil
	}
	raw, err := json.Marshal(arr)
	if err != nil {
		return nil, fmt.Errorf("hsds: read: %w", err)
	}
	if err := json.Unmarshal(raw, &d.Organizations); err != nil {
		return nil, fmt.Errorf("hsds: read: %w", err)
	}
	sk := &skipper{byKey: map[string]int{}}
	for i, o := range arr {
		sk.walk(o, "organization", join(prefix, fmt.Sprintf("[%d]", i)))
	}
	d.Skipped = sk.list
	return d, nil
}

// position turns a byte offset into a line and column (1-based).
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = len([]rune(string(before[bytes.LastIndexByte(before, '\n')+1:])))
	if col == 0 {
		col = 1
	}
	return line, col
}

func join(prefix, part string) string {
	if prefix == "" || strings.HasPrefix(part, "[") {
		return prefix + part
	}
	return prefix + "." + part
}

// pathText writes an instance location as "[0].services[1].status".
func pathText(prefix string, loc []string) string {
	p := prefix
	for _, tok := range loc {
		if _, err := strconv.Atoi(tok); err == nil {
			p += "[" + tok + "]"
		} else {
			p = join(p, tok)
		}
	}
	return p
}

// problems flattens a validation error into its leaves, in document order.
func problems(doc any, prefix string, ve *jsonschema.ValidationError) []Problem {
	var out []Problem
	seen := map[string]bool{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		p := Problem{Path: pathText(prefix, e.InstanceLocation), Args: map[string]string{}}
		p.Entity, p.EntityName = entityAt(doc, e.InstanceLocation)
		switch k := e.ErrorKind.(type) {
		case *kind.Required:
			p.Key = "hsds.error.required"
			p.Args["Field"] = strings.Join(k.Missing, ", ")
		case *kind.Type:
			p.Key = "hsds.error.type"
			p.Args["Want"], p.Args["Got"] = strings.Join(k.Want, ","), k.Got
		case *kind.Enum:
			p.Key = "hsds.error.enum"
			var want []string
			for _, w := range k.Want {
				want = append(want, fmt.Sprint(w))
			}
			p.Args["Got"], p.Args["Want"] = fmt.Sprint(k.Got), strings.Join(want, ", ")
		case *kind.Format:
			p.Key = "hsds.error.format"
			p.Args["Got"], p.Args["Format"] = fmt.Sprint(k.Got), k.Want
		default:
			p.Key = "hsds.error.schema"
			p.Args["Keyword"] = strings.Join(e.ErrorKind.KeywordPath(), "/")
		}
		id := p.Path + "|" + p.Key + "|" + fmt.Sprint(p.Args)
		if !seen[id] {
			seen[id] = true
			out = append(out, p)
		}
	}
	walk(ve)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// childKinds names the HSDS object a property holds.
var childKinds = map[string]string{
	"services": "service", "locations": "location", "phones": "phone", "contacts": "contact",
	"addresses": "address", "schedules": "schedule", "service_at_locations": "service_at_location",
	"attributes": "attribute", "taxonomy_term": "taxonomy_term", "organization_identifiers": "organization_identifier",
	"location": "location", "organization": "organization",
}

// entityAt finds the innermost HSDS object on the way to loc, and its name.
func entityAt(doc any, loc []string) (entity, name string) {
	cur := doc
	kindNow := ""
	var obj map[string]any
	for i, tok := range loc {
		switch v := cur.(type) {
		case []any:
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 || n >= len(v) {
				return entity, name
			}
			cur = v[n]
			if i == 0 {
				kindNow = "organization"
			}
		case map[string]any:
			if k, ok := childKinds[tok]; ok {
				kindNow = k
			}
			cur = v[tok]
		default:
			return entity, name
		}
		if o, ok := cur.(map[string]any); ok && kindNow != "" {
			obj, entity = o, kindNow
		}
	}
	if obj != nil {
		for _, f := range []string{"name", "number", "address_1", "id"} {
			if s, ok := obj[f].(string); ok && s != "" {
				return entity, s
			}
		}
	}
	return entity, name
}

func walkStrings(v any, path string, fn func(path, s string)) {
	switch x := v.(type) {
	case string:
		fn(path, x)
	case []any:
		for i, e := range x {
			walkStrings(e, path+fmt.Sprintf("[%d]", i), fn)
		}
	case map[string]any:
		for k, e := range x {
			walkStrings(e, join(path, k), fn)
		}
	}
}

// The fields Opora reads of each object: its type's JSON names, the
// objects it nests by their kind.
var kindTypes = map[string]reflect.Type{
	"organization": reflect.TypeFor[Organization](), "organization_identifier": reflect.TypeFor[OrganizationIdentifier](),
	"location": reflect.TypeFor[Location](), "address": reflect.TypeFor[Address](), "service": reflect.TypeFor[Service](),
	"service_at_location": reflect.TypeFor[ServiceAtLocation](), "schedule": reflect.TypeFor[Schedule](),
	"phone": reflect.TypeFor[Phone](), "contact": reflect.TypeFor[Contact](), "attribute": reflect.TypeFor[Attribute](),
	"taxonomy_term": reflect.TypeFor[TaxonomyTerm](),
}

// readFields is, for each kind, its fields and the kind each nests ("" for a value).
var readFields = func() map[string]map[string]string {
	kindOf := map[reflect.Type]string{}
	for k, t := range kindTypes {
		kindOf[t] = k
	}
	out := map[string]map[string]string{}
	for k, t := range kindTypes {
		fields := map[string]string{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			ft := f.Type
			for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			fields[name] = kindOf[ft]
		}
		out[k] = fields
	}
	return out
}()

type skipper struct {
	list  []Skipped
	byKey map[string]int
}

func (s *skipper) add(entity, field, path string) {
	key := entity + "." + field
	if i, ok := s.byKey[key]; ok {
		s.list[i].Count++
		return
	}
	s.byKey[key] = len(s.list)
	s.list = append(s.list, Skipped{Entity: entity, Field: field, Count: 1, First: path})
}

func (s *skipper) walk(v any, kind, path string) {
	obj, ok := v.(map[string]any)
	if !ok {
		return
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		child, known := readFields[kind][k]
		p := join(path, k)
		if !known {
			s.add(kind, k, p)
			continue
		}
		if child == "" || (kind == "service" && k == "organization") {
			continue
		}
		switch x := obj[k].(type) {
		case []any:
			for i, e := range x {
				s.walk(e, child, fmt.Sprintf("%s[%d]", p, i))
			}
		case map[string]any:
			s.walk(x, child, p)
		}
	}
}

// DerivedID is a stable UUID (version 5 style, SHA-1) made of parts: the
// id of something Opora writes without a row of its own (an attribute
// with the places of a service), the same in every export.
func DerivedID(parts ...string) string {
	h := sha1.Sum([]byte("opora-hsds:" + strings.Join(parts, "\x00")))
	b := h[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// EntityKey is the catalog key naming the problem's object.
func (p Problem) EntityKey() string {
	if p.Entity == "" {
		return "hsds.entity.document"
	}
	return "hsds.entity." + p.Entity
}

// ReasonKey is the catalog key saying why the field is skipped.
func (s Skipped) ReasonKey() string {
	if s.Reason == "" {
		return "hsds.skip.unkept"
	}
	return s.Reason
}
