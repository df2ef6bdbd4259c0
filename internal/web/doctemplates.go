package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/documents"
	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// Certificates and letters from templates (issue 24 item 1): the
// administrator's templates and images (/admin/document-templates), the
// issue on the client's record (/clients/{id}/issue-document) and the
// issued document as a print page, PDF and DOCX (/clients/{id}/issued/…).

// docSheet is what the "doc_sheet" partial lays out: the paragraphs and
// the images' addresses ("" when none).
type docSheet struct {
	Blocks                       []opora.DocBlock
	Letterhead, Signature, Stamp string
	// Void is a voided document's mark (opora.IssuedDocument.VoidMark),
	// VoidWord the word the sheet shows across it; both "" when valid.
	Void, VoidWord string
}

// docFieldRow is a line of the editor's list of placeholders.
type docFieldRow struct {
	Key, Label, Sample string
}

func (s *Server) docFieldRows(r *http.Request) []docFieldRow {
	l := s.loc(r)
	out := make([]docFieldRow, 0, len(opora.DocFields))
	for _, f := range opora.DocFields {
		out = append(out, docFieldRow{Key: "{{" + f.Key + "}}", Label: l.T(f.Label), Sample: f.Sample})
	}
	return out
}

func adminImageURL(id int64) string {
	if id == 0 {
		return ""
	}
	return "/document-images/" + idString(id)
}

// adminDocTemplates lists the templates and the letterhead, signature and
// stamp images with their upload forms.
func (s *Server) adminDocTemplates(w http.ResponseWriter, r *http.Request) error {
	return s.renderDocTemplates(w, r, http.StatusOK, nil, "")
}

func (s *Server) renderDocTemplates(w http.ResponseWriter, r *http.Request, status int, err error, failed string) error {
	ctx := r.Context()
	ts, lerr := s.store.DocTemplates(ctx, true)
	if lerr != nil {
		return lerr
	}
	imgs, lerr := s.store.DocImages(ctx)
	if lerr != nil {
		return lerr
	}
	type imageRow struct {
		Kind, URL string
	}
	var rows []imageRow
	for _, k := range opora.DocImageKinds {
		rows = append(rows, imageRow{Kind: k, URL: adminImageURL(imgs[k])})
	}
	v := s.newView(r, "doctemplate.title")
	v.Nav = "doctemplates"
	v.Form = newForm(url.Values{}, err)
	v.Data = map[string]any{"Templates": ts, "Images": rows, "Failed": failed, "MaxMB": s.cfg.MaxUploadBytes >> 20}
	return s.render(w, r, status, "doctemplates_list", v)
}

func (s *Server) adminDocTemplateNew(w http.ResponseWriter, r *http.Request) error {
	return s.renderDocTemplateForm(w, r, http.StatusOK, &opora.DocTemplate{}, newForm(url.Values{}, nil), false)
}

func (s *Server) adminDocTemplateEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.store.DocTemplate(r.Context(), id)
	if err != nil {
		return err
	}
	vals := url.Values{"title": {t.Title}, "body": {t.Body}}
	if t.NeedsCase {
		vals.Set("needs_case", "1")
	}
	if t.NeedsFamily {
		vals.Set("needs_family", "1")
	}
	if t.Disabled {
		vals.Set("disabled", "1")
	}
	return s.renderDocTemplateForm(w, r, http.StatusOK, t, newForm(vals, nil), true)
}

// adminDocTemplateSave saves a new or edited template; the button
// "preview" only shows the posted text on the sample values. A body the
// parser refuses comes back with the message under the field, naming the
// line and the placeholder.
func (s *Server) adminDocTemplateSave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	t := &opora.DocTemplate{}
	if raw := r.PathValue("id"); raw != "" {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if t, err = s.store.DocTemplate(r.Context(), id); err != nil {
			return err
		}
	}
	f := r.PostForm
	t.Title, t.Body = f.Get("title"), f.Get("body")
	t.NeedsCase, t.NeedsFamily, t.Disabled = f.Get("needs_case") == "1", f.Get("needs_family") == "1", f.Get("disabled") == "1"
	if f.Get("action") == "preview" {
		t.Normalize()
		err := t.Validate()
		status := http.StatusOK
		if err != nil {
			status = http.StatusUnprocessableEntity
		}
		return s.renderDocTemplateForm(w, r, status, t, docForm(f, err), true)
	}
	err := s.store.SaveDocTemplate(r.Context(), t)
	if err == nil {
		return s.redirect(w, r, "/admin/document-templates/"+idString(t.ID), "common.saved")
	}
	if opora.ErrorCode(err) != opora.EINVALID {
		return err
	}
	return s.renderDocTemplateForm(w, r, http.StatusUnprocessableEntity, t, docForm(f, err), false)
}

// docForm is the form with the parser's line and placeholder as the
// message's arguments.
func docForm(vals url.Values, err error) *form {
	fm := newForm(vals, err)
	var e *opora.Error
	if errors.As(err, &e) && len(e.Args) > 0 {
		fm.Args = e.Args
	}
	return fm
}

func (s *Server) renderDocTemplateForm(w http.ResponseWriter, r *http.Request, status int, t *opora.DocTemplate, f *form, preview bool) error {
	d := map[string]any{"Template": t, "Fields": s.docFieldRows(r)}
	if key := f.Errors["body"]; key != "" {
		d["BodyError"] = s.loc(r).T(key, "Line", f.Args["Line"], "Token", f.Args["Token"])
	}
	if preview && f.Errors["body"] == "" && strings.TrimSpace(t.Body) != "" {
		text, err := opora.FillTemplate(t.Body, opora.DocSample())
		if err == nil {
			imgs, err := s.store.DocImages(r.Context())
			if err != nil {
				return err
			}
			d["Preview"] = &docSheet{Blocks: opora.DocBlocks(text), Letterhead: adminImageURL(imgs[opora.DocImageLetterhead]),
				Signature: adminImageURL(imgs[opora.DocImageSignature]), Stamp: adminImageURL(imgs[opora.DocImageStamp])}
		}
	}
	v := s.newView(r, "doctemplate.edit_title")
	if t.ID == 0 {
		v.Title = "doctemplate.new_title"
	}
	v.Nav = "doctemplates"
	v.Form = f
	v.Data = d
	return s.render(w, r, status, "doctemplates_form", v)
}

// adminDocImageUpload stores a new letterhead, signature or stamp image:
// re-encoded as JPEG without metadata, as client photos are.
func (s *Server) adminDocImageUpload(w http.ResponseWriter, r *http.Request) error {
	kind := r.PathValue("kind")
	valid := false
	for _, k := range opora.DocImageKinds {
		valid = valid || k == kind
	}
	if !valid {
		return opora.ErrNotFound
	}
	ctx := r.Context()
	defer cleanupUpload(r)
	refuse := func(err error) error {
		return s.renderDocTemplates(w, r, http.StatusUnprocessableEntity, s.uploadError("image", err), kind)
	}
	if err := s.parseUpload(w, r); err != nil {
		if errors.Is(err, errUploadTooBig) {
			return refuse(err)
		}
		return err
	}
	f, _, err := s.openUpload(r, "image")
	if err != nil {
		if errors.Is(err, errNoUpload) || errors.Is(err, errUploadTooBig) {
			return refuse(err)
		}
		return err
	}
	p, err := files.ProcessPhoto(ctx, f)
	f.Close()
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		return refuse(err)
	}
	st, err := s.storeBytes(r, p.JPEG, kind+".jpg", "image/jpeg")
	if err != nil {
		return err
	}
	if err := s.store.SetDocImage(ctx, kind, st); err != nil {
		s.unstore(r, st)
		return err
	}
	return s.redirect(w, r, "/admin/document-templates", "doctemplate.image_saved")
}

func (s *Server) adminDocImage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.store.DocImageFile(r.Context(), id)
	if err != nil {
		return err
	}
	return s.serveStored(w, r, f, "image/jpeg", "")
}

// issuedPanel is the profile's block: the documents issued to the person.
type issuedPanel struct {
	Documents []*opora.IssuedDocument
}

func loadIssuedPanel(s *Server, r *http.Request, c *opora.Client) (any, error) {
	list, err := s.store.ClientIssuedDocuments(r.Context(), c.ID)
	if err != nil {
		return nil, err
	}
	return &issuedPanel{Documents: list}, nil
}

// docChoice reads the chosen template, case and family from a query or form.
func docChoice(clientID int64, f url.Values) store.DocChoice {
	ch := store.DocChoice{ClientID: clientID}
	ch.TemplateID, _ = strconv.ParseInt(f.Get("template"), 10, 64)
	ch.CaseID, _ = strconv.ParseInt(f.Get("case"), 10, 64)
	ch.FamilyID, _ = strconv.ParseInt(f.Get("family"), 10, 64)
	return ch
}

// issuePageData is .Data of the issue page.
type issuePageData struct {
	*clientView
	Templates, Cases, Families []option
	Chosen                     *opora.DocTemplate
	Preview                    *docSheet
}

// issueForm: choose the template (and the case or family it needs), see
// the preview on the person's data, then issue.
func (s *Server) issueForm(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.loadClient(w, r, "")
	if err != nil || !ok {
		return err
	}
	return s.renderIssueForm(w, r, http.StatusOK, c, r.URL.Query(), nil)
}

func (s *Server) renderIssueForm(w http.ResponseWriter, r *http.Request, status int, c *opora.Client, q url.Values, fail error) error {
	ctx := r.Context()
	ts, err := s.store.DocTemplates(ctx, false)
	if err != nil {
		return err
	}
	cv, err := s.clientData(r, c)
	if err != nil {
		return err
	}
	ch := docChoice(c.ID, q)
	var chosen *opora.DocTemplate
	topts := []option{{Value: "", Label: "—"}}
	for _, t := range ts {
		topts = append(topts, option{Value: idString(t.ID), Label: t.Title})
		if t.ID == ch.TemplateID {
			chosen = t
		}
	}
	cases, err := s.store.ClientCases(ctx, c.ID)
	if err != nil {
		return err
	}
	copts := []option{{Value: "", Label: "—"}}
	for _, k := range cases {
		copts = append(copts, option{Value: idString(k.ID), Label: "№ " + idString(k.ID) + " · " + k.TypeLabel + " · " + k.OpenedOn.Format("02.01.2006")})
	}
	fopts := []option{{Value: "", Label: "—"}}
	if opora.ActorFrom(ctx).Can(opora.PermFamilyRead) {
		fams, err := s.store.ClientFamilies(ctx, c.ID)
		if err != nil && opora.ErrorCode(err) != opora.ENOTFOUND {
			return err
		}
		for _, f := range fams {
			fopts = append(fopts, option{Value: idString(f.ID), Label: "№ " + idString(f.ID) + " · " + f.Address})
		}
	}
	d := &issuePageData{clientView: cv, Templates: topts, Cases: copts, Families: fopts, Chosen: chosen}
	v := s.newView(r, "doc.issue_title")
	v.Nav = "clients"
	vals := url.Values{"template": {q.Get("template")}, "case": {q.Get("case")}, "family": {q.Get("family")}}
	var verr opora.Validation
	if chosen != nil && chosen.NeedsCase && ch.CaseID == 0 {
		verr.Add("case", "doc.error.case_needed")
	}
	if chosen != nil && chosen.NeedsFamily && ch.FamilyID == 0 {
		verr.Add("family", "doc.error.family_needed")
	}
	if fail == nil {
		fail = verr.Err()
	}
	v.Form = newForm(vals, fail)
	if chosen != nil && fail == nil {
		prev, err := s.store.PreviewDocument(ctx, ch)
		switch {
		case err == nil:
			d.Preview = &docSheet{Blocks: opora.DocBlocks(prev.Text), Letterhead: adminImageURL(prev.LetterheadID),
				Signature: adminImageURL(prev.SignatureID), Stamp: adminImageURL(prev.StampID)}
		case opora.ErrorCode(err) == opora.ENOTFOUND || opora.ErrorCode(err) == opora.EINVALID:
			v.Form = newForm(vals, err)
			status = http.StatusUnprocessableEntity
		default:
			return err
		}
	}
	v.Data = d
	return s.render(w, r, status, "doc_issue", v)
}

// issueSubmit issues the chosen document and opens it for printing.
func (s *Server) issueSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	c, ok, err := s.loadClient(w, r, "")
	if err != nil || !ok {
		return err
	}
	ch := docChoice(c.ID, r.PostForm)
	t, err := s.store.DocTemplate(r.Context(), ch.TemplateID)
	if err != nil || (t.NeedsCase && ch.CaseID == 0) || (t.NeedsFamily && ch.FamilyID == 0) {
		return s.renderIssueForm(w, r, http.StatusUnprocessableEntity, c, r.PostForm, nil)
	}
	d, err := s.store.IssueDocument(r.Context(), ch)
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/clients/"+idString(c.ID)+"/issued/"+idString(d.ID), "doc.issued")
}

func (s *Server) loadIssued(r *http.Request, format string) (*opora.IssuedDocument, error) {
	cid, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	did, err := pathID(r, "doc")
	if err != nil {
		return nil, err
	}
	return s.store.IssuedDocument(r.Context(), cid, did, format)
}

func issuedImageURL(d *opora.IssuedDocument, kind string, id int64) string {
	if id == 0 {
		return ""
	}
	return "/clients/" + idString(d.ClientID) + "/issued/" + idString(d.ID) + "/image/" + kind
}

// issuedPage is the document as issued, ready to print (A4 print CSS); a
// voided one with its mark, and the form that voids a valid one.
func (s *Server) issuedPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderIssued(w, r, http.StatusOK, newForm(nil, nil))
}

func (s *Server) renderIssued(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	d, err := s.loadIssued(r, "html")
	if err != nil {
		return err
	}
	sheet := &docSheet{Blocks: opora.DocBlocks(d.Text),
		Letterhead: issuedImageURL(d, opora.DocImageLetterhead, d.LetterheadID),
		Signature:  issuedImageURL(d, opora.DocImageSignature, d.SignatureID),
		Stamp:      issuedImageURL(d, opora.DocImageStamp, d.StampID)}
	if d.Voided() {
		sheet.Void, sheet.VoidWord = d.VoidMark(), opora.VoidWord
	}
	v := s.newView(r, "doc.print_title")
	v.Nav = "clients"
	v.Form = f
	v.Data = map[string]any{"Doc": d, "Sheet": sheet}
	return s.render(w, r, status, "doc_print", v)
}

// issuedVoid annuls a document issued by mistake, with the reason given.
// An empty reason comes back under the field with what was typed; a
// document already voided comes back with the message, nothing changed.
func (s *Server) issuedVoid(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	cid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	did, err := pathID(r, "doc")
	if err != nil {
		return err
	}
	_, err = s.store.VoidIssuedDocument(r.Context(), cid, did, r.PostForm.Get("reason"))
	switch opora.ErrorCode(err) {
	case "":
		return s.redirect(w, r, "/clients/"+idString(cid)+"/issued/"+idString(did), "doc.voided")
	case opora.EINVALID:
		return s.renderIssued(w, r, http.StatusUnprocessableEntity, newForm(r.PostForm, err))
	case opora.ECONFLICT:
		return s.renderIssued(w, r, http.StatusConflict, newForm(nil, err))
	}
	return err
}

func (s *Server) issuedImage(w http.ResponseWriter, r *http.Request) error {
	cid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	did, err := pathID(r, "doc")
	if err != nil {
		return err
	}
	f, err := s.store.IssuedDocImage(r.Context(), cid, did, r.PathValue("kind"))
	if err != nil {
		return err
	}
	return s.serveStored(w, r, f, "image/jpeg", "")
}

// issuedFile answers the document as PDF or DOCX, made from what was issued.
func (s *Server) issuedFile(format string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := s.loadIssued(r, format)
		if err != nil {
			return err
		}
		doc := &documents.Doc{Title: d.Title, Number: d.Number, IssuedAt: d.CreatedAt, Text: d.Text, Void: d.VoidMark()}
		for _, im := range []struct {
			kind string
			dst  *[]byte
		}{{opora.DocImageLetterhead, &doc.Letterhead}, {opora.DocImageSignature, &doc.Signature}, {opora.DocImageStamp, &doc.Stamp}} {
			f, err := s.store.IssuedDocImage(r.Context(), d.ClientID, d.ID, im.kind)
			if opora.ErrorCode(err) == opora.ENOTFOUND {
				continue
			}
			if err != nil {
				return err
			}
			if *im.dst, err = s.storedBytes(f); err != nil {
				return err
			}
		}
		var b bytes.Buffer
		mime := "application/pdf"
		if format == "docx" {
			mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
			err = documents.DOCX(&b, doc)
		} else {
			err = documents.PDF(&b, doc)
		}
		if err != nil {
			return err
		}
		h := w.Header()
		h.Set("Content-Type", mime)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "private, no-store")
		name := fmt.Sprintf("%s %d-%d", d.Title, d.Seq, d.Year)
		if d.Voided() {
			name += " " + opora.VoidWord
		}
		h.Set("Content-Disposition", attachment(name+"."+format))
		h.Set("Content-Length", strconv.Itoa(b.Len()))
		_, err = w.Write(b.Bytes())
		return err
	}
}

// storedBytes reads a stored file whole (the organisation's images are small).
func (s *Server) storedBytes(f *opora.File) ([]byte, error) {
	fh, err := s.files.Open(f.StorageKey)
	if err != nil {
		return nil, fmt.Errorf("web: open stored file %d: %w", f.ID, err)
	}
	defer fh.Close()
	return io.ReadAll(io.LimitReader(fh, 32<<20))
}
