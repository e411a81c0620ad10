package appmodel

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/tidwall/gjson"
)

// Load loads an app from a git-format folder or an export file.
func Load(path string) (*App, error) {
	st, err := os.Stat(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &FileError{File: path, Offset: -1, Err: err}
	}
	if st.IsDir() {
		return LoadDir(path)
	}
	return LoadExportFile(path)
}

// LoadDir loads an app in Appsmith's git format: application.json and
// pages/<dir>/ with <dir>.json, widgets/**.json, queries/<q>/metadata.json
// (+ <q>.txt) and jsobjects/<j>/metadata.json + <j>.js.
func LoadDir(dir string) (*App, error) {
	appFile := filepath.Join(dir, "application.json")
	text, err := readFile(appFile)
	if err != nil {
		return nil, err
	}
	appJSON, err := parseJSONObject(appFile, text)
	if err != nil {
		return nil, err
	}
	name := filepath.Base(dir)
	if abs, err := filepath.Abs(dir); err == nil {
		name = filepath.Base(abs)
	}
	app := &App{Name: name, Format: FormatGit, Path: dir, EvaluationVersion: evalVersion(appJSON)}

	app.Libraries = gitLibraries(filepath.Join(dir, "jslibs"))
	pagesDir := filepath.Join(dir, "pages")
	entries, err := readDirSorted(pagesDir)
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	// Pages are independent: read them in parallel, keep their order, and
	// report the first failing page in that order.
	app.Pages = make([]*Page, len(dirs))
	errs := make([]error, len(dirs))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, d := range dirs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			app.Pages[i], errs[i] = loadGitPage(filepath.Join(pagesDir, d), d)
		}()
	}
	wg.Wait()
	if err := firstErr(errs); err != nil {
		return nil, err
	}
	return app, nil
}

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func evalVersion(app gjson.Result) int {
	if v := app.Get("evaluationVersion"); v.Type == gjson.Number {
		return int(v.Int())
	}
	return 2
}

// LoadGitPage loads one page folder (pages/<dir>/) of an app in git format,
// as LoadDir loads each: to read a page again after its files changed
// without reading the whole app.
func LoadGitPage(dir string) (*Page, error) {
	return loadGitPage(dir, filepath.Base(dir))
}

func loadGitPage(dir, name string) (*Page, error) {
	top := new(object)
	file := filepath.Join(dir, name+".json")
	text, err := readFile(file)
	if err != nil {
		return nil, err
	}
	doc, err := parseJSONObject(file, text)
	if err != nil {
		return nil, err
	}
	p := &Page{Name: name, ID: name, File: file, JSON: doc}
	p.keep(file, text)
	if n := doc.Get("unpublishedPage.name"); n.Type == gjson.String && n.Str != "" {
		p.Name = n.Str
	}
	if err := loadGitWidgets(p, filepath.Join(dir, "widgets"), top); err != nil {
		return nil, err
	}
	if err := loadGitActions(p, filepath.Join(dir, "queries"), top); err != nil {
		return nil, err
	}
	if err := loadGitJSObjects(p, filepath.Join(dir, "jsobjects")); err != nil {
		return nil, err
	}
	return p, nil
}

// loadGitWidgets takes every *.json under widgets/, recursively, sorting
// the entries of each directory by name (JavaScript string order) and
// descending into a directory where its name sorts. That differs from
// sorting full paths when a name goes on with a character below "/"
// (space, "-", "."): the folder "A" sorts before the file "A-b.json", the
// path "A/…" after it.
func loadGitWidgets(p *Page, dir string, top *object) error {
	entries, err := readDirSorted(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if e.IsDir() {
			if err := loadGitWidgets(p, path, top); err != nil {
				return err
			}
			continue
		}
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		text, err := p.readFile(path)
		if err != nil {
			return err
		}
		doc, err := parseJSONObject(path, text)
		if err != nil {
			return err
		}
		w, err := newWidget(path, doc, top)
		if err != nil {
			return err
		}
		p.Widgets = append(p.Widgets, w)
	}
	return nil
}

// forEachMetadata calls fn with each folder of dir (queries/ or
// jsobjects/) that holds a metadata.json, in JavaScript name order, with
// that file parsed. A missing dir or a folder without the file is skipped.
func forEachMetadata(p *Page, dir string, fn func(folder, file string, doc gjson.Result) error) error {
	entries, err := readDirSorted(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		folder := filepath.Join(dir, e.Name())
		file := filepath.Join(folder, "metadata.json")
		text, err := p.readFile(file)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // not an entity folder
			}
			return err
		}
		doc, err := parseJSONObject(file, text)
		if err != nil {
			return err
		}
		if err := fn(folder, file, doc); err != nil {
			return err
		}
	}
	return nil
}

// loadGitActions takes queries/*/metadata.json except the JS functions
// (pluginType JS), which belong to JS objects.
func loadGitActions(p *Page, dir string, top *object) error {
	return forEachMetadata(p, dir, func(qdir, file string, doc gjson.Result) error {
		if doc.Get("pluginType").Str == "JS" {
			p.noteJSAction(doc.Get("unpublishedAction"))
			return nil
		}
		ua := doc.Get("unpublishedAction")
		name := ua.Get("name")
		if name.Type != gjson.String || name.Str == "" {
			return fileErr(file, "no unpublishedAction.name")
		}
		a := &Action{
			Name: name.Str, ID: doc.Get("id").Str, PluginType: doc.Get("pluginType").Str,
			PluginID: doc.Get("pluginId").Str, ExecuteOnLoad: ua.Get("executeOnLoad").Bool(),
			File: file, JSON: ua,
		}
		bodyFile := filepath.Join(qdir, filepath.Base(qdir)+".txt")
		body, err := p.readFile(bodyFile)
		switch {
		case err == nil:
			a.BodyFile, a.Body = bodyFile, body
		case !errors.Is(err, fs.ErrNotExist):
			return err
		}
		buildActionBindings(a, top)
		p.Actions = append(p.Actions, a)
		return nil
	})
}

// loadGitJSObjects takes jsobjects/*/metadata.json with the body from the
// .js file beside it.
func loadGitJSObjects(p *Page, dir string) error {
	return forEachMetadata(p, dir, func(jdir, file string, doc gjson.Result) error {
		uc := doc.Get("unpublishedCollection")
		name := uc.Get("name")
		if name.Type != gjson.String || name.Str == "" {
			return fileErr(file, "no unpublishedCollection.name")
		}
		bodyFile, err := jsBodyFile(jdir, filepath.Base(jdir))
		if err != nil {
			return err
		}
		body, err := p.readFile(bodyFile)
		if err != nil {
			return err
		}
		j := &JSObject{
			Name: name.Str, ID: doc.Get("id").Str, File: file, JSON: uc, Body: body,
			BodyLoc: Location{File: bodyFile, Start: 0, End: len(body), Encoding: Text},
		}
		j.OnLoadFunctions = p.jsOnLoad[j.Name]
		buildJSObjectBindings(j)
		p.JSObjects = append(p.JSObjects, j)
		return nil
	})
}

// jsBodyFile is <dir>/<name>.js, or else the only .js file in dir.
func jsBodyFile(dir, name string) (string, error) {
	want := filepath.Join(dir, name+".js")
	if _, err := os.Stat(want); err == nil {
		return want, nil
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*.js"))
	if len(matches) == 1 {
		return matches[0], nil
	}
	return "", &FileError{File: want, Offset: -1, Err: errors.New("JS object body missing")}
}

// readDirSorted lists a directory in JavaScript string order of the names,
// which is the order the edge contract defines.
func readDirSorted(dir string) ([]os.DirEntry, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &FileError{File: dir, Offset: -1, Err: err}
	}
	slices.SortStableFunc(entries, func(a, b os.DirEntry) int {
		switch {
		case lessUTF16(a.Name(), b.Name()):
			return -1
		case lessUTF16(b.Name(), a.Name()):
			return 1
		}
		return 0
	})
	return entries, nil
}

// gitLibraries reads the accessors of the custom JS libraries in jslibs/.
// The folder is optional; a file that does not parse is skipped, since it
// only refines which references count as unknown.
func gitLibraries(dir string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	var names []string
	for _, f := range files {
		text, err := readFile(f)
		if err != nil || !gjson.Valid(text) {
			continue
		}
		for _, a := range gjson.Get(text, "accessor").Array() {
			names = append(names, a.Str)
		}
	}
	return names
}
