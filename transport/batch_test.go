package transport

import (
	"net/http"
	"testing"
)

func TestRefactorBatch(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	tests := []struct {
		name, body string
		status     int
		want       string
	}{
		{
			name: "renames every binding in one call",
			body: `{"oldName":"Api1","newName":"Users","entities":[` +
				`{"name":"Table1","kind":"widget","bindings":[{"path":"tableData","value":"{{Api1.data}}"},{"path":"label","value":"Api1: {{ {Api1}.Api1.x }} <b>"}]},` +
				`{"name":"Text1","kind":"widget","bindings":[{"path":"text","value":"{{Api10.data}}"}]},` +
				`{"name":"JSObject1","kind":"jsobject","bindings":[{"path":"body","value":"export default {\n\tf: () => Api1.run()\n}"}]}]}`,
			status: http.StatusOK,
			want: `{"success":true,"data":{"edits":[` +
				`{"entity":"Table1","path":"tableData","value":"{{Users.data}}","refactorCount":1},` +
				`{"entity":"Table1","path":"label","value":"Api1: {{ {Api1: Users}.Api1.x }} <b>","refactorCount":1},` +
				`{"entity":"JSObject1","path":"body","value":"export default {\n\tf: () => Users.run()\n}","refactorCount":1}],"refactorCount":3}}`,
		},
		{
			name:   "nothing to rename",
			body:   `{"oldName":"Api1","newName":"Users","entities":[]}`,
			status: http.StatusOK,
			want:   `{"success":true,"data":{"edits":[],"refactorCount":0}}`,
		},
		{
			name:   "missing fields",
			body:   `{}`,
			status: http.StatusBadRequest,
			want: `{"success":false,"message":"Validation error","data":{"error":["OldName is required and can only be a string"],"validationErrors":[` +
				`{"msg":"OldName is required and can only be a string","param":"oldName","location":"body"},` +
				`{"msg":"NewName is required and can only be a string","param":"newName","location":"body"},` +
				`{"msg":"Entities are required: a list of {name, kind, bindings}","param":"entities","location":"body"}]}}`,
		},
		{
			name:   "a name that would inject code",
			body:   `{"oldName":"Api1","newName":"x;alert(1)","entities":[]}`,
			status: http.StatusBadRequest,
			want:   `{"success":false,"message":"Validation error","data":{"error":["NewName must be a JavaScript identifier or identifiers joined by dots"],"validationErrors":[{"msg":"NewName must be a JavaScript identifier or identifiers joined by dots","param":"newName","location":"body"}]}}`,
		},
		{
			name:   "malformed",
			body:   `{"oldName":`,
			status: http.StatusBadRequest,
			want:   `{"success":false,"message":"Malformed JSON: unexpected EOF","data":{"error":"Malformed JSON: unexpected EOF"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := s.post(t, PathRefactorBatch, tt.body)
			if res.status != tt.status || res.body != tt.want {
				t.Errorf("got %d %s\nwant %d %s", res.status, res.body, tt.status, tt.want)
			}
		})
	}
}
