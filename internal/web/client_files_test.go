package web

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// upload is one file part of a multipart form.
type upload struct {
	field, name string
	data        []byte
}

// postMultipart submits a multipart form the way a browser on the same site does.
func (c *client) postMultipart(path string, fields url.Values, files ...upload) response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			c.t.Fatal(err)
		}
		_, _ = w.Write(f.data)
	}
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// exifPhoto is a w×h JPEG (left half red) with an Exif segment saying
// "rotate 90° clockwise to view" (orientation 6), as phones write them.
func exifPhoto(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{255, 0, 0, 255}
			if x >= w/2 {
				c = color.RGBA{0, 0, 255, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	var tiff bytes.Buffer
	tiff.WriteString("II*\x00")
	for _, v := range []any{uint32(8), uint16(1), uint16(0x0112), uint16(3), uint32(1), uint16(6), uint16(0), uint32(0)} {
		_ = binary.Write(&tiff, binary.LittleEndian, v)
	}
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	src := buf.Bytes()
	out := append([]byte{}, src[:2]...)
	out = append(out, 0xff, 0xe1, byte((len(payload)+2)>>8), byte(len(payload)+2))
	out = append(out, payload...)
	return append(out, src[2:]...)
}

func TestPhotoUploadAndAccess(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		loc := newTestClient(t, c, fx)
		if res := c.get(loc + "/photo"); res.Status != http.StatusNotFound {
			t.Fatalf("photo before upload: %d", res.Status)
		}
		profile := c.get(loc)
		mustContain(t, profile.Body, `capture="environment"`, `accept="image/*"`, `enctype="multipart/form-data"`, "Добавить фото")

		// An .exe renamed .jpg is refused with a clear message; nothing is stored.
		exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), bytes.Repeat([]byte{0}, 500)...)
		res := c.postMultipart(loc+"/photo", nil, upload{"photo", "photo.jpg", exe})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("exe as photo: %d", res.Status)
		}
		mustContain(t, res.Body, "Программы и сценарии загружать нельзя")
		res = c.postMultipart(loc+"/photo", nil, upload{"photo_file", "doc.jpg", []byte("%PDF-1.4 not a photo")})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("pdf as photo: %d", res.Status)
		}
		mustContain(t, res.Body, "Это не фотография")
		if res := c.postMultipart(loc+"/photo", nil); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Выберите файл.") {
			t.Fatalf("no file: %d", res.Status)
		}

		// A real photo from a phone: upright, without EXIF, with a thumbnail.
		data := exifPhoto(t, 60, 30)
		res = c.postMultipart(loc+"/photo", nil, upload{"photo", "IMG_0001.jpg", data})
		if res.Status != http.StatusSeeOther || res.Location != loc {
			t.Fatalf("upload: %d %q %s", res.Status, res.Location, res.Body)
		}
		photo := c.get(loc + "/photo")
		if photo.Status != http.StatusOK || photo.Header.Get("Content-Type") != "image/jpeg" ||
			photo.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(photo.Header.Get("Cache-Control"), "private") {
			t.Fatalf("photo: %d %v", photo.Status, photo.Header)
		}
		if strings.Contains(photo.Body, "Exif") {
			t.Fatal("the served photo still carries EXIF")
		}
		img, err := jpeg.Decode(strings.NewReader(photo.Body))
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != 30 || b.Dy() != 60 {
			t.Fatalf("photo not turned upright: %v", b)
		}
		thumb := c.get(loc + "/photo/thumb")
		if thumb.Status != http.StatusOK || thumb.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("thumb: %d", thumb.Status)
		}
		if ti, err := jpeg.Decode(strings.NewReader(thumb.Body)); err != nil || ti.Bounds().Dx() != 160 || ti.Bounds().Dy() != 160 {
			t.Fatalf("thumb size: %v", err)
		}
		// The stored bytes live in the data folder, under files/<org>/<year>/, without EXIF.
		id := clientIDOf(t, loc)
		cl, err := a.st.Client(fx.Ctx(), id)
		if err != nil || cl.PhotoID == 0 || cl.ThumbID == 0 {
			t.Fatalf("client photo ids: %v %+v", err, cl)
		}
		pf, err := a.st.ClientPhoto(fx.Ctx(), id, false)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := os.ReadFile(filepath.Join(a.web.cfg.DataDir, "files", filepath.FromSlash(pf.StorageKey)))
		if err != nil || bytes.Contains(stored, []byte("Exif")) || !strings.HasPrefix(pf.StorageKey, idString(fx.Org.ID)+"/") {
			t.Fatalf("stored photo %q: %v", pf.StorageKey, err)
		}
		// Profile and lists show the photo and the thumbnail.
		mustContain(t, c.get(loc).Body, `src="`+loc+`/photo"`, "Сменить фото")
		mustContain(t, c.get("/clients").Body, `<img class="thumb" src="`+loc+`/photo/thumb"`)
		if ev, err := a.st.Timeline(fx.Ctx(), id, []string{opora.EventPhoto}, 0, 10); err != nil || len(ev) != 1 {
			t.Fatalf("photo event: %v %d", err, len(ev))
		}

		// Oversize: refused with the limit named.
		a.web.cfg.MaxUploadBytes = 1 << 20
		res = c.postMultipart(loc+"/photo", nil, upload{"photo", "big.jpg", append(data, bytes.Repeat([]byte{0}, 3<<19)...)})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("oversize photo: %d", res.Status)
		}
		mustContain(t, res.Body, "Файл слишком большой: можно загрузить не больше 1 МБ")

		// Only authorised people get the photo: another organisation 404, nobody → login.
		other := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая НКО")
		setPassword(t, a.st, other.Admin.ID, other.Org.ID)
		oc := a.login(t, other.Admin.Login, testPassword)
		for _, p := range []string{loc + "/photo", loc + "/photo/thumb"} {
			if res := oc.get(p); res.Status != http.StatusNotFound || strings.Contains(res.Body, "\xff\xd8") {
				t.Fatalf("other organisation %s: %d", p, res.Status)
			}
			if res := a.client(t).get(p); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login") {
				t.Fatalf("anonymous %s: %d %q", p, res.Status, res.Location)
			}
		}
		if res := oc.postMultipart(loc+"/photo", nil, upload{"photo", "x.jpg", data}); res.Status != http.StatusNotFound {
			t.Fatalf("other organisation uploads: %d", res.Status)
		}
	})
}

// webPBomb is the decompression bomb of the issue, 46 bytes: a VP8X header
// declaring a 1×1 canvas around a lossless bitstream whose own header says
// 11,000×11,000, with Huffman codes of one symbol so that every pixel costs
// no bits (decoded, 484 MB of pixels).
func webPBomb() []byte {
	const w, h = 11000, 11000
	vp8x := []byte("VP8X\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00") // 1×1 canvas
	bits := uint32(w-1) | uint32(h-1)<<14
	vp8l := []byte{'V', 'P', '8', 'L', 8, 0, 0, 0, 0x2f, byte(bits), byte(bits >> 8), byte(bits >> 16), byte(bits >> 24), 0x88, 0x88, 0x08}
	body := append(append([]byte("WEBP"), vp8x...), vp8l...)
	return append(append([]byte("RIFF"), byte(len(body)), 0, 0, 0), body...)
}

// The bomb is refused on the photo page with a message in Russian, and
// nothing is stored: no photo on the client, no file in the data folder.
func TestPhotoUploadRefusesDecompressionBomb(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		loc := newTestClient(t, c, fx)
		res := c.postMultipart(loc+"/photo", nil, upload{"photo_file", "cat.webp", webPBomb()})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bomb: %d", res.Status)
		}
		mustContain(t, res.Body, "Изображение слишком большое по размеру в пикселях")
		cl, err := a.st.Client(fx.Ctx(), clientIDOf(t, loc))
		if err != nil || cl.PhotoID != 0 || cl.ThumbID != 0 {
			t.Fatalf("client after the bomb: %v %+v", err, cl)
		}
		if res := c.get(loc + "/photo"); res.Status != http.StatusNotFound {
			t.Fatalf("photo after the bomb: %d", res.Status)
		}
		var stored []string
		_ = filepath.WalkDir(filepath.Join(a.web.cfg.DataDir, "files"), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				stored = append(stored, p)
			}
			return nil
		})
		if len(stored) != 0 {
			t.Fatalf("files stored after the bomb: %v", stored)
		}
	})
}

// stallingPhoto is a photo whose reader stops at the start of the decode
// (after the headers were read and the stream rewound a second time) until
// released, so that the decode holds its slot.
type stallingPhoto struct {
	*bytes.Reader
	seeks    int
	decoding chan struct{} // closed when the decode starts reading
	release  chan struct{}
}

func (p *stallingPhoto) Seek(off int64, whence int) (int64, error) {
	p.seeks++
	return p.Reader.Seek(off, whence)
}

func (p *stallingPhoto) Read(b []byte) (int, error) {
	if p.seeks == 2 && p.decoding != nil {
		close(p.decoding)
		p.decoding = nil
		<-p.release
	}
	return p.Reader.Read(b)
}

// With every decode slot taken, an upload waits, is then told the server
// is busy (503, in Russian) and nothing is stored.
func TestPhotoUploadWhenDecodesAreBusy(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		loc := newTestClient(t, c, fx)
		data := exifPhoto(t, 60, 30)
		release := make(chan struct{})
		var held sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			p := &stallingPhoto{Reader: bytes.NewReader(data), decoding: make(chan struct{}), release: release}
			started, done := p.decoding, make(chan error, 1)
			held.Go(func() { _, err := files.ProcessPhoto(context.Background(), p); done <- err })
			select {
			case <-started:
			case err := <-done:
				t.Fatalf("could not take a decode slot: %v", err)
			}
		}
		defer func(d time.Duration) { files.DecodeWait = d }(files.DecodeWait)
		files.DecodeWait = 50 * time.Millisecond
		res := c.postMultipart(loc+"/photo", nil, upload{"photo", "IMG_0002.jpg", data})
		close(release)
		held.Wait()
		if res.Status != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
			t.Fatalf("busy upload: %d %v", res.Status, res.Header)
		}
		mustContain(t, res.Body, "Сервер сейчас обрабатывает другие фотографии")
		if cl, err := a.st.Client(fx.Ctx(), clientIDOf(t, loc)); err != nil || cl.PhotoID != 0 {
			t.Fatalf("client after a busy upload: %v %+v", err, cl)
		}
		// Once the slots are free, the same upload goes through.
		if res := c.postMultipart(loc+"/photo", nil, upload{"photo", "IMG_0002.jpg", data}); res.Status != http.StatusSeeOther {
			t.Fatalf("upload after the others: %d", res.Status)
		}
	})
}

func TestDocumentsFilesAndConsent(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		loc := newTestClient(t, c, fx)
		id := clientIDOf(t, loc)
		passport := &opora.DictionaryItem{Dictionary: opora.DictDocumentType, Label: "Паспорт гражданина РФ (тест)"}
		if err := a.st.SaveDictionaryItem(fx.Ctx(), passport); err != nil {
			t.Fatal(err)
		}
		page := c.get(loc + "/documents")
		if page.Status != http.StatusOK {
			t.Fatalf("documents tab: %d", page.Status)
		}
		mustContain(t, page.Body, "Паспорт гражданина РФ (тест)", "Документов пока нет.", `aria-current="page">Документы`)

		// A future issue date: refused next to the field, typed values kept.
		future := time.Now().AddDate(0, 0, 3).Format("02.01.2006")
		doc := url.Values{"type_id": {idString(passport.ID)}, "series": {"4510"}, "number": {"123456"},
			"issued_by": {"ОВД <b>Вологды</b>"}, "issued_on": {future}, "comment": {"<script>alert(1)</script>"}}
		res := c.post(loc+"/documents", doc)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("future issue date: %d", res.Status)
		}
		mustContain(t, res.Body, "Дата не может быть в будущем.", `value="4510"`, `value="123456"`, `value="`+future+`"`)
		if res := c.post(loc+"/documents", url.Values{"type_id": {idString(passport.ID)}, "issued_on": {"31.02.2010"}}); res.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(res.Body, "Укажите дату в виде ДД.ММ.ГГГГ") {
			t.Fatalf("impossible date: %d", res.Status)
		}
		doc.Set("issued_on", "15.03.2010")
		if res := c.post(loc+"/documents", doc); res.Status != http.StatusSeeOther {
			t.Fatalf("add document: %d %s", res.Status, res.Body)
		}
		page = c.get(loc + "/documents")
		mustContain(t, page.Body, "4510 123456", "ОВД &lt;b&gt;Вологды&lt;/b&gt;, 15.03.2010", "&lt;script&gt;alert(1)&lt;/script&gt;")
		if strings.Contains(page.Body, "<script>alert") || strings.Contains(page.Body, "<b>Вологды") {
			t.Fatal("markup reached the page unescaped")
		}
		mustContain(t, c.get(loc).Body, "4510 123456")
		docs, err := a.st.IdentityDocuments(fx.Ctx(), id)
		if err != nil || len(docs) != 1 {
			t.Fatalf("documents: %v %d", err, len(docs))
		}
		dloc := loc + "/documents/" + idString(docs[0].ID)
		mustContain(t, c.get(dloc+"/edit").Body, `value="15.03.2010"`, `value="4510"`)
		doc.Set("number", "654321")
		if res := c.post(dloc, doc); res.Status != http.StatusSeeOther {
			t.Fatalf("edit document: %d", res.Status)
		}
		mustContain(t, c.get(loc+"/documents").Body, "4510 654321")

		// Files: any type but programs, sniffed, downloaded with an audit row.
		pdf := []byte("%PDF-1.4\n% скан паспорта\n")
		res = c.postMultipart(loc+"/files", url.Values{"file_type_id": {idString(passport.ID)}, "file_comment": {"<i>копия</i>"}},
			upload{"file", "скан паспорта.pdf", pdf})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("upload: %d %s", res.Status, res.Body)
		}
		res = c.postMultipart(loc+"/files", url.Values{"file_comment": {"оставить"}}, upload{"file", "scan.jpg", []byte("MZ\x90\x00 program")})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("exe as scan: %d", res.Status)
		}
		mustContain(t, res.Body, "Программы и сценарии загружать нельзя", "оставить</textarea>")
		a.web.cfg.MaxUploadBytes = 1 << 20
		for _, n := range []int{3 << 19, 5 << 20} { // over the limit; far over it (body cut short)
			res = c.postMultipart(loc+"/files", nil, upload{"file", "big.pdf", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{'x'}, n)...)})
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("oversize %d: %d", n, res.Status)
			}
			mustContain(t, res.Body, "Файл слишком большой: можно загрузить не больше 1 МБ")
		}
		files, err := a.st.ClientFiles(fx.Ctx(), id)
		if err != nil || len(files) != 1 || files[0].MIME != "application/pdf" {
			t.Fatalf("files: %v %+v", err, files)
		}
		page = c.get(loc + "/documents")
		mustContain(t, page.Body, "скан паспорта.pdf", "&lt;i&gt;копия&lt;/i&gt;")
		floc := loc + "/files/" + idString(files[0].ID)
		dl := c.get(floc)
		if dl.Status != http.StatusOK || dl.Body != string(pdf) || dl.Header.Get("Content-Type") != "application/pdf" ||
			dl.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("download: %d %v", dl.Status, dl.Header)
		}
		if cd := dl.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") ||
			!strings.Contains(cd, "filename*=UTF-8''%D1%81%D0%BA%D0%B0%D0%BD%20") {
			t.Fatalf("Content-Disposition %q", cd)
		}
		audit, _, err := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Action: opora.ActionDownload, Entity: "file", EntityID: files[0].ID})
		if err != nil || len(audit) != 1 || audit[0].UserID != fx.Admin.ID {
			t.Fatalf("download audit: %v %d", err, len(audit))
		}

		// Consent: date not in the future, who took it, optional scan.
		res = c.postMultipart(loc+"/consent", url.Values{"consent_date": {future}, "consent_by": {idString(fx.Admin.ID)}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("future consent: %d", res.Status)
		}
		mustContain(t, res.Body, "Дата не может быть в будущем.", `value="`+future+`"`)
		today := time.Now().Format("02.01.2006")
		res = c.postMultipart(loc+"/consent", url.Values{"purposes": {"services"}, "categories": {"ordinary", "health"}, "subject": {"self"}, "consent_date": {today}, "consent_by": {idString(fx.Admin.ID)}, "back": {loc}},
			upload{"consent_file", "согласие.pdf", []byte("%PDF-1.4 consent")})
		if res.Status != http.StatusSeeOther || res.Location != loc {
			t.Fatalf("consent: %d %q %s", res.Status, res.Location, res.Body)
		}
		profile := c.get(loc)
		mustContain(t, profile.Body, "действует", "оказание услуг", "с "+today, "принял(а) "+fx.Admin.FullName, "скан согласия")
		tl := c.get(loc + "/timeline")
		mustContain(t, tl.Body, "Согласие", "Документ", "Файл")

		// Another organisation: 404 everywhere.
		other := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая НКО")
		setPassword(t, a.st, other.Admin.ID, other.Org.ID)
		oc := a.login(t, other.Admin.Login, testPassword)
		for _, p := range []string{loc + "/documents", floc, dloc + "/edit"} {
			if res := oc.get(p); res.Status != http.StatusNotFound {
				t.Fatalf("other organisation %s: %d", p, res.Status)
			}
		}
		if res := oc.post(floc+"/delete", nil); res.Status != http.StatusNotFound {
			t.Fatalf("other organisation deletes file: %d", res.Status)
		}
		if res := a.client(t).get(floc); res.Status != http.StatusSeeOther {
			t.Fatalf("anonymous download: %d", res.Status)
		}

		// Soft delete of a document and a file.
		if res := c.post(dloc+"/delete", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("delete document: %d", res.Status)
		}
		if res := c.post(floc+"/delete", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("delete file: %d", res.Status)
		}
		page = c.get(loc + "/documents")
		if strings.Contains(page.Body, "4510 654321") || strings.Contains(page.Body, "скан паспорта.pdf") {
			t.Fatal("deleted document or file still listed")
		}
		if res := c.get(floc); res.Status != http.StatusNotFound {
			t.Fatalf("deleted file download: %d", res.Status)
		}
	})
}
