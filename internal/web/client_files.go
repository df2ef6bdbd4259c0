package web

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/opora"
)

// Photo, identity documents, uploaded files and consent of a client.
// File bytes live in the data folder (package files) and are served only
// here, after the store has checked access.

func init() {
	funcs["fileSize"] = fileSize
}

// documentsPanel is .Data.Panels.documents.
type documentsPanel struct {
	Documents []*opora.IdentityDocument
	Files     []*opora.File
}

// consentPanel is .Data.Panels.consent.
type consentPanel struct {
	ByName     string
	File       *opora.File // the consent scan, if any
	Colleagues []option
	Today      string // default date for the form, ДД.ММ.ГГГГ
	Me         string // default worker for the form
}

func loadDocumentsPanel(s *Server, r *http.Request, c *opora.Client) (any, error) {
	ctx := r.Context()
	p := &documentsPanel{}
	var err error
	if p.Documents, err = s.store.IdentityDocuments(ctx, c.ID); err != nil {
		return nil, err
	}
	if p.Files, err = s.store.ClientFiles(ctx, c.ID); err != nil {
		return nil, err
	}
	return p, nil
}

func loadConsentPanel(s *Server, r *http.Request, c *opora.Client) (any, error) {
	ctx := r.Context()
	a := opora.ActorFrom(ctx)
	p := &consentPanel{Today: s.store.Today().Format("02.01.2006"), Me: idString(a.UserID)}
	if c.ConsentBy != 0 {
		names, err := s.store.UserNames(ctx, []int64{c.ConsentBy})
		if err != nil {
			return nil, err
		}
		p.ByName = names[c.ConsentBy]
	}
	if c.ConsentFileID != 0 {
		fs, err := s.store.ClientFiles(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			if f.ID == c.ConsentFileID {
				p.File = f
			}
		}
	}
	if a.Can(opora.PermClientWrite) {
		cs, err := s.store.Colleagues(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			p.Colleagues = append(p.Colleagues, option{Value: idString(c.ID), Label: c.FullName})
		}
	}
	return p, nil
}

// uploadError is a refused upload: a field error and, for the size limit,
// a message for the whole form naming the limit.
func (s *Server) uploadError(field string, err error) error {
	key := "files.error.failed"
	switch {
	case errors.Is(err, errUploadTooBig):
		return &opora.Error{Code: opora.EINVALID, Message: "files.error.too_large",
			Args: map[string]string{"MB": strconv.FormatInt(s.cfg.MaxUploadBytes>>20, 10)}, Fields: map[string]string{field: "files.error.too_large_field"}}
	case errors.Is(err, files.ErrDenied):
		key = "files.error.executable"
	case errors.Is(err, files.ErrNotImage):
		key = "photo.error.not_image"
	case errors.Is(err, files.ErrTooLarge):
		key = "photo.error.too_many_pixels"
	case errors.Is(err, files.ErrUnsupported):
		key = "photo.error.unsupported"
	case errors.Is(err, files.ErrBusy):
		key = "photo.error.busy"
	case errors.Is(err, files.ErrEmpty):
		key = "files.error.empty"
	case errors.Is(err, errNoUpload):
		key = "files.error.required"
	}
	return &opora.Error{Code: opora.EINVALID, Message: "error.invalid", Fields: map[string]string{field: key}}
}

var (
	errUploadTooBig = errors.New("upload too big")
	errNoUpload     = errors.New("no file uploaded")
)

// parseUpload reads a multipart form whose body is capped a little above
// the upload limit, so an oversize upload gets a clear message instead of
// filling the disk. It leaves the other fields in r.PostForm.
func (s *Server) parseUpload(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes+1<<20)
	err := r.ParseMultipartForm(1 << 20)
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &mbe):
		if r.PostForm == nil {
			r.PostForm = url.Values{}
		}
		return errUploadTooBig
	case errors.Is(err, http.ErrNotMultipart):
		return r.ParseForm()
	}
	return &opora.Error{Code: opora.EINVALID, Message: "files.error.failed"}
}

// readUpload returns the bytes and the cleaned name of the first non-empty
// file among fields; errNoUpload when there is none.
func (s *Server) readUpload(r *http.Request, fields ...string) ([]byte, string, error) {
	f, name, err := s.openUpload(r, fields...)
	if err != nil {
		return nil, "", err
	}
	data, err := io.ReadAll(io.LimitReader(f, s.cfg.MaxUploadBytes+1))
	f.Close()
	if err != nil {
		return nil, "", fmt.Errorf("web: read upload: %w", err)
	}
	if int64(len(data)) > s.cfg.MaxUploadBytes {
		return nil, "", errUploadTooBig
	}
	return data, name, nil
}

// openUpload opens the first non-empty file among fields where the
// multipart parser left it (a temporary file above 1 MB), with its
// cleaned name; errNoUpload when there is none, errUploadTooBig above the
// limit. The caller closes it.
func (s *Server) openUpload(r *http.Request, fields ...string) (multipart.File, string, error) {
	if r.MultipartForm == nil {
		return nil, "", errNoUpload
	}
	for _, field := range fields {
		for _, h := range r.MultipartForm.File[field] {
			if h.Size == 0 && h.Filename == "" {
				continue
			}
			if h.Size > s.cfg.MaxUploadBytes {
				return nil, "", errUploadTooBig
			}
			f, err := h.Open()
			if err != nil {
				return nil, "", fmt.Errorf("web: open upload: %w", err)
			}
			return f, files.SafeName(h.Filename), nil
		}
	}
	return nil, "", errNoUpload
}

func cleanupUpload(r *http.Request) {
	if r.MultipartForm != nil {
		_ = r.MultipartForm.RemoveAll()
	}
}

// storeBytes writes data for the actor's organisation and describes it as a file row.
func (s *Server) storeBytes(r *http.Request, data []byte, name, mime string) (*opora.File, error) {
	st, err := s.files.Put(opora.ActorFrom(r.Context()).OrganisationID, s.store.Now(), data)
	if err != nil {
		return nil, err
	}
	return &opora.File{Name: name, MIME: mime, Size: st.Size, SHA256: st.SHA256, StorageKey: st.Key}, nil
}

// unstore removes bytes whose row could not be written.
func (s *Server) unstore(r *http.Request, fs ...*opora.File) {
	for _, f := range fs {
		if f == nil {
			continue
		}
		if err := s.files.Remove(f.StorageKey); err != nil {
			s.log.Error("remove orphan upload", "request_id", requestID(r.Context()), "err", err)
		}
	}
}

// serveStored streams stored bytes with headers that keep the browser from
// guessing the type or caching personal data.
func (s *Server) serveStored(w http.ResponseWriter, r *http.Request, f *opora.File, mime, disposition string) error {
	fh, err := s.files.Open(f.StorageKey)
	if err != nil {
		return fmt.Errorf("web: open stored file %d: %w", f.ID, err)
	}
	defer fh.Close()
	h := w.Header()
	h.Set("Content-Type", mime)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if disposition != "" {
		h.Set("Content-Disposition", disposition)
	}
	h.Set("Content-Length", strconv.FormatInt(fh.Size(), 10))
	w.WriteHeader(http.StatusOK)
	_, err = io.Copy(w, fh)
	if err != nil {
		s.log.Warn("file download interrupted", "request_id", requestID(r.Context()), "err", err)
	}
	return nil
}

// attachment builds Content-Disposition for a download named name: an
// ASCII fallback and the exact UTF-8 name (RFC 6266 / RFC 5987).
func attachment(name string) string {
	var ascii, enc strings.Builder
	for _, r := range name {
		if r >= 0x20 && r < 0x7f && r != '"' && r != '\\' && r != '%' {
			ascii.WriteRune(r)
		} else {
			ascii.WriteByte('_')
		}
	}
	for _, b := range []byte(name) {
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0 {
			enc.WriteByte(b)
		} else {
			fmt.Fprintf(&enc, "%%%02X", b)
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + enc.String()
}

func (s *Server) photoServe(thumb bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		f, err := s.store.ClientPhoto(r.Context(), id, thumb)
		if err != nil {
			return err
		}
		return s.serveStored(w, r, f, "image/jpeg", "")
	}
}

// photoUpload stores a new photo from the camera or a file: re-encoded,
// upright, without EXIF, with a thumbnail.
func (s *Server) photoUpload(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.store.Client(ctx, id)
	if err != nil {
		return err
	}
	defer cleanupUpload(r)
	refuse := func(err error) error {
		return s.renderPhotoForm(w, r, c, s.uploadError("photo", err))
	}
	if err := s.parseUpload(w, r); err != nil {
		if errors.Is(err, errUploadTooBig) {
			return refuse(err)
		}
		return err
	}
	// The photo is decoded from where the upload lies (a temporary file
	// for all but the smallest), never read whole into memory first:
	// uploads waiting for a decode slot hold no pixels and no bytes.
	f, _, err := s.openUpload(r, "photo", "photo_file")
	if err != nil {
		if errors.Is(err, errNoUpload) || errors.Is(err, errUploadTooBig) {
			return refuse(err)
		}
		return err
	}
	p, err := files.ProcessPhoto(ctx, f)
	f.Close()
	switch {
	case errors.Is(err, files.ErrBusy):
		w.Header().Set("Retry-After", "30")
		return s.renderPhotoFormStatus(w, r, c, http.StatusServiceUnavailable, s.uploadError("photo", err))
	case err != nil && ctx.Err() != nil:
		return ctx.Err() // the browser went away while waiting
	case err != nil:
		return refuse(err)
	}
	photo, err := s.storeBytes(r, p.JPEG, "photo.jpg", "image/jpeg")
	if err != nil {
		return err
	}
	thumb, err := s.storeBytes(r, p.Thumb, "thumb.jpg", "image/jpeg")
	if err != nil {
		s.unstore(r, photo)
		return err
	}
	if err := s.store.SetClientPhoto(ctx, c.ID, photo, thumb); err != nil {
		s.unstore(r, photo, thumb)
		return err
	}
	return s.redirect(w, r, "/clients/"+idString(c.ID), "photo.saved")
}

// renderPhotoForm shows the photo form again with the reason the upload was refused.
func (s *Server) renderPhotoForm(w http.ResponseWriter, r *http.Request, c *opora.Client, err error) error {
	return s.renderPhotoFormStatus(w, r, c, http.StatusUnprocessableEntity, err)
}

// renderPhotoFormStatus is renderPhotoForm with another status (503 when busy).
func (s *Server) renderPhotoFormStatus(w http.ResponseWriter, r *http.Request, c *opora.Client, status int, err error) error {
	cv, cerr := s.clientData(r, c)
	if cerr != nil {
		return cerr
	}
	cv.Tab = "photo"
	v := s.newView(r, "photo.title")
	v.Nav = "clients"
	v.Form = newForm(url.Values{}, err)
	if oe := (*opora.Error)(nil); errors.As(err, &oe) && len(oe.Args) > 0 {
		v.Form.Error, v.Form.Args = oe.Message, oe.Args
	}
	v.Data = &documentsPageData{clientView: cv, MaxMB: s.cfg.MaxUploadBytes >> 20}
	return s.render(w, r, status, "files_photo", v)
}

// documentsPageData is .Data of the documents tab and the document form.
type documentsPageData struct {
	*clientView
	Documents   []*opora.IdentityDocument
	Files       []*opora.File
	TypeOptions []option // document types, with an empty choice first
	Document    *opora.IdentityDocument
	MaxMB       int64
}

func (s *Server) documentsPage(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.loadClient(w, r, "documents")
	if err != nil || !ok {
		return err
	}
	return s.renderDocumentsPage(w, r, http.StatusOK, c, nil)
}

func (s *Server) typeOptions(r *http.Request) ([]option, error) {
	items, err := s.store.DictionaryItems(r.Context(), opora.DictDocumentType, false)
	if err != nil {
		return nil, err
	}
	opts := []option{{Value: "", Label: "—"}}
	for _, it := range items {
		opts = append(opts, option{Value: idString(it.ID), Label: it.Label})
	}
	return opts, nil
}

func (s *Server) documentsData(r *http.Request, c *opora.Client) (*documentsPageData, error) {
	cv, err := s.clientData(r, c)
	if err != nil {
		return nil, err
	}
	consent, err := loadConsentPanel(s, r, c)
	if err != nil {
		return nil, err
	}
	cv.Panels["consent"] = consent
	d := &documentsPageData{clientView: cv, MaxMB: s.cfg.MaxUploadBytes >> 20}
	if d.TypeOptions, err = s.typeOptions(r); err != nil {
		return nil, err
	}
	return d, nil
}

// renderDocumentsPage shows documents, files and consent; f carries the
// submitted values and errors of a refused form.
func (s *Server) renderDocumentsPage(w http.ResponseWriter, r *http.Request, status int, c *opora.Client, f *form) error {
	ctx := r.Context()
	d, err := s.documentsData(r, c)
	if err != nil {
		return err
	}
	d.Tab = "documents"
	if d.Documents, err = s.store.IdentityDocuments(ctx, c.ID); err != nil {
		return err
	}
	if d.Files, err = s.store.ClientFiles(ctx, c.ID); err != nil {
		return err
	}
	if f == nil {
		f = newForm(nil, nil)
	}
	p := d.Panels["consent"].(*consentPanel)
	if f.Values.Get("consent_date") == "" {
		f.Values.Set("consent_date", p.Today)
	}
	if f.Values.Get("consent_by") == "" {
		f.Values.Set("consent_by", p.Me)
	}
	v := s.newView(r, "documents.title")
	v.Nav = "clients"
	v.Form = f
	v.Data = d
	return s.render(w, r, status, "documents_list", v)
}

// invalidOnDocuments re-renders the documents tab with the submitted values
// and the errors when err is a validation error; otherwise it returns err.
func (s *Server) invalidOnDocuments(w http.ResponseWriter, r *http.Request, clientID int64, err error) error {
	if opora.ErrorCode(err) != opora.EINVALID {
		return err
	}
	c, cerr := s.store.Client(r.Context(), clientID)
	if cerr != nil {
		return cerr
	}
	f := newForm(r.PostForm, err)
	if oe := (*opora.Error)(nil); errors.As(err, &oe) && len(oe.Args) > 0 {
		f.Error, f.Args = oe.Message, oe.Args
	}
	return s.renderDocumentsPage(w, r, http.StatusUnprocessableEntity, c, f)
}

// parseDocument reads the document form; dates that cannot be read are
// reported per field together with the other validation errors.
func (s *Server) parseDocument(r *http.Request, d *opora.IdentityDocument) error {
	f := r.PostForm
	d.TypeID, _ = strconv.ParseInt(f.Get("type_id"), 10, 64)
	d.Series, d.Number, d.IssuedBy = f.Get("series"), f.Get("number"), f.Get("issued_by")
	d.Address, d.Comment = f.Get("address"), f.Get("comment")
	var v opora.Validation
	d.IssuedOn = parseOptionalDate(&v, "issued_on", f.Get("issued_on"))
	if len(v.Fields) == 0 {
		return nil
	}
	d.Normalize()
	for k, e := range opora.FieldErrors(d.Validate(s.store.Today())) {
		v.Add(k, e)
	}
	return v.Err()
}

func parseOptionalDate(v *opora.Validation, field, s string) opora.Date {
	if strings.TrimSpace(s) == "" {
		return opora.Date{}
	}
	d, ok := opora.ParseDate(s)
	if !ok {
		v.Add(field, "error.date")
	}
	return d
}

func (s *Server) documentCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d := &opora.IdentityDocument{ClientID: id}
	if err := s.parseDocument(r, d); err != nil {
		return s.invalidOnDocuments(w, r, id, err)
	}
	if err := s.store.CreateIdentityDocument(r.Context(), d); err != nil {
		return s.invalidOnDocuments(w, r, id, err)
	}
	return s.redirect(w, r, "/clients/"+idString(id)+"/documents", "documents.created")
}

func documentValues(d *opora.IdentityDocument) url.Values {
	v := url.Values{}
	v.Set("type_id", idString(d.TypeID))
	v.Set("series", d.Series)
	v.Set("number", d.Number)
	v.Set("issued_by", d.IssuedBy)
	if !d.IssuedOn.IsZero() {
		v.Set("issued_on", d.IssuedOn.Format("02.01.2006"))
	}
	v.Set("address", d.Address)
	v.Set("comment", d.Comment)
	return v
}

func (s *Server) renderDocumentForm(w http.ResponseWriter, r *http.Request, status int, c *opora.Client,
	doc *opora.IdentityDocument, f *form) error {
	d, err := s.documentsData(r, c)
	if err != nil {
		return err
	}
	d.Tab, d.Document = "documents", doc
	// A disabled type already chosen stays selectable.
	found := false
	for _, o := range d.TypeOptions {
		found = found || o.Value == idString(doc.TypeID)
	}
	if !found {
		d.TypeOptions = append(d.TypeOptions, option{Value: idString(doc.TypeID), Label: doc.TypeLabel})
	}
	v := s.newView(r, "documents.edit")
	v.Nav = "clients"
	v.Form = f
	v.Data = d
	return s.render(w, r, status, "documents_edit", v)
}

func (s *Server) pathDocument(r *http.Request) (*opora.Client, *opora.IdentityDocument, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	did, err := pathID(r, "did")
	if err != nil {
		return nil, nil, err
	}
	c, err := s.store.Client(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	d, err := s.store.IdentityDocument(r.Context(), id, did)
	if err != nil {
		return nil, nil, err
	}
	return c, d, nil
}

func (s *Server) documentEdit(w http.ResponseWriter, r *http.Request) error {
	c, d, err := s.pathDocument(r)
	if err != nil {
		return err
	}
	return s.renderDocumentForm(w, r, http.StatusOK, c, d, newForm(documentValues(d), nil))
}

func (s *Server) documentUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	c, old, err := s.pathDocument(r)
	if err != nil {
		return err
	}
	d := &opora.IdentityDocument{ID: old.ID, ClientID: c.ID}
	err = s.parseDocument(r, d)
	if err == nil {
		err = s.store.UpdateIdentityDocument(r.Context(), d)
	}
	if err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.renderDocumentForm(w, r, http.StatusUnprocessableEntity, c, old, newForm(r.PostForm, err))
		}
		return err
	}
	return s.redirect(w, r, "/clients/"+idString(c.ID)+"/documents", "common.saved")
}

func (s *Server) documentDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	did, err := pathID(r, "did")
	if err != nil {
		return err
	}
	if err := s.store.DeleteIdentityDocument(r.Context(), id, did); err != nil {
		return err
	}
	return s.redirect(w, r, "/clients/"+idString(id)+"/documents", "documents.deleted")
}

// fileUpload stores a scan or document of any type but programs, with its
// sniffed type, a document type and a comment.
func (s *Server) fileUpload(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	if _, err := s.store.Client(ctx, id); err != nil {
		return err
	}
	defer cleanupUpload(r)
	if err := s.parseUpload(w, r); err != nil {
		if errors.Is(err, errUploadTooBig) {
			return s.invalidOnDocuments(w, r, id, s.uploadError("file", err))
		}
		return err
	}
	f := &opora.File{ClientID: id, Comment: r.PostForm.Get("file_comment")}
	f.TypeID, _ = strconv.ParseInt(r.PostForm.Get("file_type_id"), 10, 64)
	f.Normalize()
	if err := f.Validate(); err != nil {
		return s.invalidOnDocuments(w, r, id, err)
	}
	data, name, err := s.readUpload(r, "file")
	if err != nil {
		if errors.Is(err, errNoUpload) || errors.Is(err, errUploadTooBig) {
			return s.invalidOnDocuments(w, r, id, s.uploadError("file", err))
		}
		return err
	}
	mime, err := files.CheckUpload(data)
	if err != nil {
		return s.invalidOnDocuments(w, r, id, s.uploadError("file", err))
	}
	stored, err := s.storeBytes(r, data, name, mime)
	if err != nil {
		return err
	}
	stored.ClientID, stored.TypeID, stored.Comment = f.ClientID, f.TypeID, f.Comment
	if err := s.store.AddClientFile(ctx, stored); err != nil {
		s.unstore(r, stored)
		return s.invalidOnDocuments(w, r, id, err)
	}
	return s.redirect(w, r, "/clients/"+idString(id)+"/documents", "files.uploaded")
}

func (s *Server) fileDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	fid, err := pathID(r, "fid")
	if err != nil {
		return err
	}
	f, err := s.store.DownloadClientFile(r.Context(), id, fid)
	if err != nil {
		return err
	}
	return s.serveStored(w, r, f, f.MIME, attachment(f.Name))
}

func (s *Server) fileDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	fid, err := pathID(r, "fid")
	if err != nil {
		return err
	}
	if err := s.store.DeleteClientFile(r.Context(), id, fid); err != nil {
		return err
	}
	return s.redirect(w, r, "/clients/"+idString(id)+"/documents", "files.deleted")
}

// consentRecord records consent with its date, the worker who took it and
// an optional scan.
func (s *Server) consentRecord(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	if _, err := s.store.Client(ctx, id); err != nil {
		return err
	}
	defer cleanupUpload(r)
	if err := s.parseUpload(w, r); err != nil {
		if errors.Is(err, errUploadTooBig) {
			return s.invalidOnDocuments(w, r, id, s.uploadError("consent_file", err))
		}
		return err
	}
	cs := &opora.Consent{ClientID: id}
	var v opora.Validation
	if d, ok := opora.ParseDate(r.PostForm.Get("consent_date")); ok {
		cs.Date = d
	} else {
		v.Add("consent_date", "error.date")
	}
	cs.By, _ = strconv.ParseInt(r.PostForm.Get("consent_by"), 10, 64)
	for k, e := range opora.FieldErrors(cs.Validate(s.store.Today())) {
		v.Add(k, e)
	}
	if err := v.Err(); err != nil {
		return s.invalidOnDocuments(w, r, id, err)
	}
	data, name, err := s.readUpload(r, "consent_file")
	switch {
	case errors.Is(err, errNoUpload):
	case err != nil:
		return s.invalidOnDocuments(w, r, id, s.uploadError("consent_file", err))
	default:
		mime, err := files.CheckUpload(data)
		if err != nil {
			return s.invalidOnDocuments(w, r, id, s.uploadError("consent_file", err))
		}
		if cs.File, err = s.storeBytes(r, data, name, mime); err != nil {
			return err
		}
	}
	if err := s.store.RecordConsent(ctx, cs); err != nil {
		s.unstore(r, cs.File)
		return s.invalidOnDocuments(w, r, id, err)
	}
	return s.redirect(w, r, backTo(r, id, "/clients/"+idString(id)), "consent.saved")
}

// fileSize shows a byte count the way people read it: 820 Б, 14 КБ, 2,5 МБ.
// The units are the same in Russian and English documents here (B, KB, MB).
func fileSize(n int64) string {
	switch {
	case n < 1<<10:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1<<20:
		return strconv.FormatInt((n+1<<9)>>10, 10) + " KB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
}
