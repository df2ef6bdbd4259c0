package web

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// The resource map as Open Referral HSDS 3.0 JSON (issue 24 item 5;
// docs/RESOURCES.md): the download (an export kind of its own,
// resources.manage, through the export helper) and the upload on the
// organisations' screen. An upload is checked first (POST
// /resources/import): the page lists the file's errors with their place,
// or what would be created and changed and the fields Opora does not
// keep, and offers «Загрузить», which posts the same file back (gzipped in
// a hidden field) to /resources/import/apply. Both steps run the store's
// one import (ImportResourcesHSDS), the preview rolled back.

// resourcesExport sends the map, or one municipality's (?territory=ID).
func (s *Server) resourcesExport(w http.ResponseWriter, r *http.Request, x *exporter) error {
	ctx := r.Context()
	territory, _ := strconv.ParseInt(r.URL.Query().Get("territory"), 10, 64)
	orgs, err := s.store.ExportResourcesHSDS(ctx, territory)
	if err != nil {
		return err
	}
	services := 0
	for _, o := range orgs {
		services += len(o.Services)
	}
	if err := x.audit(ctx, &opora.AuditEntry{Entity: "resource_map",
		Section: fmt.Sprintf("hsds territory=%d organizations=%d services=%d", territory, len(orgs), services)}); err != nil {
		return err
	}
	name := "resources-hsds-" + s.store.Now().Local().Format("2006-01-02")
	if territory != 0 {
		name += "-" + strconv.FormatInt(territory, 10)
	}
	return x.writeJSON(w, orgs, plainDisposition(name+".json"))
}

// hsdsPreview is the import page's data.
type hsdsPreview struct {
	Report    *store.HSDSImport
	Problems  []hsdsLine
	Changes   []hsdsLine
	More      int // changes not listed
	Skipped   []hsdsLine
	Created   int
	Updated   int
	Unchanged int
	Payload   string // the file, gzipped and base64, for «Загрузить»
	Applied   bool
}

// hsdsLine is one row of the page's tables, worded.
type hsdsLine struct {
	Entity, Name, Path, Text string
	Fields                   []string // the file's field names, shown as code
	Count                    int
}

// maxPreviewChanges caps the changes listed on the page.
const maxPreviewChanges = 300

func (s *Server) hsdsPreview(r *http.Request, rep *store.HSDSImport) *hsdsPreview {
	l := s.loc(r)
	p := &hsdsPreview{Report: rep, Applied: rep.Applied}
	for _, pr := range rep.Problems {
		p.Problems = append(p.Problems, hsdsLine{Entity: l.T(pr.EntityKey()), Name: pr.EntityName, Path: pr.Path,
			Text: pr.Message(l.T)})
	}
	for i, c := range rep.Changes {
		if i == maxPreviewChanges {
			p.More = len(rep.Changes) - i
			break
		}
		line := hsdsLine{Entity: l.T("hsds.entity." + c.Entity), Name: c.Name, Path: c.Path, Text: l.T("resources.hsds.created")}
		if !c.Created {
			line.Text, line.Fields = l.T("resources.hsds.updated_fields"), c.Fields
		}
		p.Changes = append(p.Changes, line)
	}
	for _, sk := range rep.Skipped {
		p.Skipped = append(p.Skipped, hsdsLine{Entity: l.T("hsds.entity." + sk.Entity), Name: sk.Field, Path: sk.First,
			Text: l.T(sk.ReasonKey()), Count: sk.Count})
	}
	p.Created, p.Updated = rep.Total()
	for _, n := range rep.Unchanged {
		p.Unchanged += n
	}
	return p
}

// resourcesImport checks an uploaded file and shows what it would do.
func (s *Server) resourcesImport(w http.ResponseWriter, r *http.Request) error {
	data, err := s.hsdsUpload(w, r)
	if err != nil {
		var fe *opora.Error
		if errors.As(err, &fe) && fe.Code == opora.EINVALID {
			return s.renderResourceOrgs(w, r, http.StatusUnprocessableEntity, err)
		}
		return err
	}
	rep, err := s.store.ImportResourcesHSDS(r.Context(), data, false)
	if err != nil {
		return err
	}
	p := s.hsdsPreview(r, rep)
	status := http.StatusOK
	if len(rep.Problems) > 0 {
		status = http.StatusUnprocessableEntity
	} else if p.Created+p.Updated > 0 {
		if p.Payload, err = packPayload(data); err != nil {
			return err
		}
	}
	return s.renderHSDSPreview(w, r, status, p)
}

// resourcesImportApply imports the file the preview showed.
func (s *Server) resourcesImportApply(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseUpload(w, r); err != nil {
		if errors.Is(err, errUploadTooBig) {
			return s.renderResourceOrgs(w, r, http.StatusRequestEntityTooLarge, s.hsdsTooLarge())
		}
		return err
	}
	data, err := unpackPayload(r.PostForm.Get("payload"), s.cfg.MaxUploadBytes)
	if err != nil {
		return s.renderResourceOrgs(w, r, http.StatusUnprocessableEntity,
			&opora.Error{Code: opora.EINVALID, Message: "resources.hsds.error.file"})
	}
	rep, err := s.store.ImportResourcesHSDS(r.Context(), data, true)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if len(rep.Problems) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return s.renderHSDSPreview(w, r, status, s.hsdsPreview(r, rep))
}

func (s *Server) renderHSDSPreview(w http.ResponseWriter, r *http.Request, status int, p *hsdsPreview) error {
	v := s.newView(r, "resources.hsds.preview_title")
	v.Nav = "resources"
	v.Data = p
	return s.render(w, r, status, "resources_hsds_preview", v)
}

func (s *Server) hsdsTooLarge() error {
	return &opora.Error{Code: opora.EINVALID, Message: "resources.hsds.error.too_large",
		Args:   map[string]string{"MB": strconv.FormatInt(s.cfg.MaxUploadBytes>>20, 10)},
		Fields: map[string]string{"file": "resources.hsds.error.too_large"}}
}

// hsdsUpload reads the uploaded file (field "file").
func (s *Server) hsdsUpload(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if err := s.parseUpload(w, r); err != nil {
		if errors.Is(err, errUploadTooBig) {
			return nil, s.hsdsTooLarge()
		}
		return nil, err
	}
	data, _, err := s.readUpload(r, "file")
	switch {
	case errors.Is(err, errNoUpload):
		return nil, &opora.Error{Code: opora.EINVALID, Message: "resources.hsds.error.file",
			Fields: map[string]string{"file": "resources.hsds.error.file"}}
	case errors.Is(err, errUploadTooBig):
		return nil, s.hsdsTooLarge()
	}
	return data, err
}

// packPayload gzips the file into a hidden field's value.
func packPayload(data []byte) (string, error) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		return "", fmt.Errorf("web: hsds payload: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("web: hsds payload: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b.Bytes()), nil
}

// unpackPayload reads a hidden field's file back, at most limit bytes.
func unpackPayload(s string, limit int64) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) == 0 {
		return nil, errors.New("web: hsds payload: not base64")
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("web: hsds payload: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, fmt.Errorf("web: hsds payload: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, errors.New("web: hsds payload: too large")
	}
	return data, nil
}

// hsdsTerritories are the municipalities and districts for the export's picker.
func (s *Server) hsdsTerritories(r *http.Request) ([]option, error) {
	trs, err := s.store.Territories(r.Context())
	if err != nil {
		return nil, err
	}
	out := []option{{"", s.loc(r).T("resources.hsds.whole_network")}}
	sort.SliceStable(trs, func(i, j int) bool { return trs[i].Path < trs[j].Path })
	for _, t := range trs {
		if t.Kind != opora.TerritoryRegion {
			out = append(out, option{idString(t.ID), t.Path})
		}
	}
	return out, nil
}
