package mksimport

import (
	"bytes"
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/opora"
)

// МКС keeps scans (document_file.filename) and photos (client.photo_name)
// in its upload folder (VichUploader), not in the database. With
// Options.FilesDir and Options.Files both are found there by file name
// (in any subfolder) and handled like uploads: scans become the client's
// files, a photo the client's photo; without them they are counted in the
// report as not imported.

type mksFile struct {
	ID, Client, Type int64
	Comment          sql.NullString
	Name             string
}

func (im *importer) files(ctx context.Context) error {
	rows, err := im.db.QueryContext(ctx, `SELECT id, COALESCE(client_id, 0), COALESCE(type_id, 0), comment, filename
		FROM document_file WHERE filename IS NOT NULL AND filename <> '' ORDER BY id`)
	if err != nil {
		return err
	}
	var recs []mksFile
	for rows.Next() {
		var f mksFile
		if err := rows.Scan(&f.ID, &f.Client, &f.Type, &f.Comment, &f.Name); err != nil {
			rows.Close()
			return err
		}
		recs = append(recs, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	photos, err := im.photoNames(ctx)
	if err != nil {
		return err
	}
	if im.opt.FilesDir == "" || im.opt.Files == nil {
		for _, f := range recs {
			if _, done := im.ids["file"][f.ID]; !done {
				im.rep.skip("file", "not imported", "document_file (give МКС's upload folder)", f.ID)
			}
		}
		for _, p := range photos {
			im.rep.unmapped("file", "not imported", "client photo (give МКС's upload folder)", p.ID)
		}
		im.rep.Already["file"] = len(im.ids["file"])
		return nil
	}
	found := map[string]string{} // file name → path
	err = filepath.WalkDir(im.opt.FilesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			if _, dup := found[d.Name()]; !dup {
				found[d.Name()] = path
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	docTypes, err := im.docTypes(ctx)
	if err != nil {
		return err
	}
	mksTypes, err := im.names(ctx, "document_type")
	if err != nil {
		return err
	}
	var stored []string // keys written in the current batch, removed if it rolls back
	im.afterBatch = func(ok bool) {
		if !ok {
			for _, k := range stored {
				_ = im.opt.Files.Remove(k)
			}
		}
		stored = stored[:0]
	}
	defer func() { im.afterBatch = nil }()
	a := opora.ActorFrom(ctx)
	put := func(data []byte) (*files.Stored, error) {
		st, err := im.opt.Files.Put(a.OrganisationID, im.st.Now(), data)
		if err == nil {
			stored = append(stored, st.Key)
		}
		return st, err
	}
	if err := im.importPhotos(ctx, photos, found, put); err != nil {
		return err
	}
	return batch(ctx, im, "file", recs, func(f mksFile) int64 { return f.ID },
		func(ctx context.Context, m mksFile) (int64, error) {
			cid := im.ids["client"][m.Client]
			if cid == 0 {
				im.rep.skip("file", "missing", "client not imported", m.ID)
				return 0, nil
			}
			path, ok := found[filepath.Base(m.Name)]
			if !ok {
				im.rep.skip("file", "missing", "not in the upload folder", m.ID)
				return 0, nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return 0, err
			}
			mime, err := files.CheckUpload(data)
			if err != nil {
				im.rep.skip("file", "refused", err.Error(), m.ID)
				return 0, nil
			}
			st, err := put(data)
			if err != nil {
				return 0, err
			}
			f := &opora.File{ClientID: cid, Name: files.SafeName(m.Name), MIME: mime, Size: st.Size, SHA256: st.SHA256,
				StorageKey: st.Key, Comment: strings.TrimSpace(m.Comment.String)}
			if m.Type != 0 {
				if f.TypeID = docTypes(mksTypes[m.Type]); f.TypeID == 0 {
					im.rep.unmapped("file", "document_type", mksTypes[m.Type], m.ID)
				}
			}
			if err := im.st.AddClientFile(ctx, f); err != nil {
				if invalid(err) {
					im.rep.skip("file", "invalid", "refused by Opora's checks", m.ID)
					return 0, nil
				}
				return 0, err
			}
			return f.ID, nil
		})
}

type mksPhoto struct {
	ID   int64 // the client's МКС id
	Name string
}

func (im *importer) photoNames(ctx context.Context) ([]mksPhoto, error) {
	rows, err := im.db.QueryContext(ctx, `SELECT id, photo_name FROM client WHERE photo_name IS NOT NULL AND photo_name <> '' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []mksPhoto
	for rows.Next() {
		var p mksPhoto
		if err := rows.Scan(&p.ID, &p.Name); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// importPhotos makes each client's МКС photo their Opora photo, processed
// like an upload (checked, shrunk, re-encoded without metadata, thumbnail).
func (im *importer) importPhotos(ctx context.Context, photos []mksPhoto, found map[string]string,
	put func([]byte) (*files.Stored, error)) error {
	done, err := im.st.ImportedIDs(ctx, "photo")
	if err != nil {
		return err
	}
	im.ids["photo"] = done
	im.rep.Kinds = append(im.rep.Kinds, "photo")
	return batch(ctx, im, "photo", photos, func(p mksPhoto) int64 { return p.ID },
		func(ctx context.Context, m mksPhoto) (int64, error) {
			cid := im.ids["client"][m.ID]
			if cid == 0 {
				im.rep.skip("photo", "missing", "client not imported", m.ID)
				return 0, nil
			}
			path, ok := found[filepath.Base(m.Name)]
			if !ok {
				im.rep.skip("photo", "missing", "not in the upload folder", m.ID)
				return 0, nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return 0, err
			}
			p, err := files.ProcessPhoto(ctx, bytes.NewReader(data))
			if err != nil {
				if ctx.Err() != nil {
					return 0, err
				}
				im.rep.skip("photo", "refused", err.Error(), m.ID)
				return 0, nil
			}
			photo, err := put(p.JPEG)
			if err != nil {
				return 0, err
			}
			thumb, err := put(p.Thumb)
			if err != nil {
				return 0, err
			}
			pf := &opora.File{Name: "photo.jpg", MIME: "image/jpeg", Size: photo.Size, SHA256: photo.SHA256, StorageKey: photo.Key}
			tf := &opora.File{Name: "thumb.jpg", MIME: "image/jpeg", Size: thumb.Size, SHA256: thumb.SHA256, StorageKey: thumb.Key}
			if err := im.st.SetClientPhoto(ctx, cid, pf, tf); err != nil {
				return 0, err
			}
			return cid, nil
		})
}

// docTypes returns a matcher of МКС document type names to Opora's
// document_type dictionary.
func (im *importer) docTypes(ctx context.Context) (func(name string) int64, error) {
	items, err := im.st.DictionaryItems(ctx, opora.DictDocumentType, false)
	if err != nil {
		return nil, err
	}
	byLabel, byKey := map[string]int64{}, map[string]int64{}
	for _, d := range items {
		byLabel[key(d.Label)], byKey[d.Key] = d.ID, d.ID
	}
	return func(name string) int64 {
		if id := byLabel[key(name)]; id != 0 {
			return id
		}
		return byKey[docAliases[key(name)]]
	}, nil
}
