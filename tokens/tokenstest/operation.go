package tokenstest

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// HandleOperation serves one API operation of a generated client, as the
// Handle<Operation> functions of a generated <provider>test package
// register it: pattern is its "METHOD /path" (path parameters are
// wildcards, read with r.PathValue), behind the bearer check unless
// anonymous. h returns the operation's answer type; see writeAnswer.
func HandleOperation[A any](s *Server, pattern string, anonymous bool, h func(r *http.Request) *A) {
	s.route(pattern, anonymous, func(w http.ResponseWriter, r *http.Request) {
		writeAnswer(w, h(r))
	})
}

// HandleOperationJSON is HandleOperation for an operation with a JSON
// request body, which h gets decoded. A request whose body is not JSON, or
// does not decode into B, is answered 400, as a strict provider would.
func HandleOperationJSON[B, A any](s *Server, pattern string, anonymous bool, h func(r *http.Request, body B) *A) {
	s.route(pattern, anonymous, func(w http.ResponseWriter, r *http.Request) {
		var body B
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			s.fail(w, http.StatusBadRequest, "invalid_request", fmt.Sprintf("Content-Type %q is not application/json", mt))
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			s.fail(w, http.StatusBadRequest, "invalid_request", "the body does not decode: "+err.Error())
			return
		}
		writeAnswer(w, h(r, body))
	})
}

func (s *Server) route(pattern string, anonymous bool, h http.HandlerFunc) {
	if anonymous {
		s.HandleAnonymous(pattern, h)
	} else {
		s.Handle(pattern, h)
	}
}

// answerField matches the fields of a generated answer type that hold a
// decoded body: JSON200, JSON4XX, JSONDefault, ApplicationProblemJSON400.
var answerField = regexp.MustCompile(`JSON([1-5](?:\d\d|XX)|Default)$`)

// writeAnswer sends a generated answer type (the <Operation>Response that
// the client's method returns): its one non-nil JSON<status> field as a
// JSON body with that status (a class such as 4XX as its x00, Default as
// 200). HTTPResponse, when set, gives the status and headers instead. A
// nil answer is a 501: the test did not say what to answer.
func writeAnswer[A any](w http.ResponseWriter, answer *A) {
	if answer == nil {
		http.Error(w, "tokenstest: the handler returned no answer", http.StatusNotImplemented)
		return
	}
	v := reflect.ValueOf(answer).Elem()
	status, body := http.StatusNoContent, reflect.Value{}
	if v.Kind() == reflect.Struct {
		for i := range v.NumField() {
			f, fv := v.Type().Field(i), v.Field(i)
			m := answerField.FindStringSubmatch(f.Name)
			if m == nil || fv.Kind() != reflect.Pointer || fv.IsNil() {
				continue
			}
			body, status = fv, statusOf(m[1])
			break
		}
		if f := v.FieldByName("HTTPResponse"); f.IsValid() && f.CanInterface() {
			hr, _ := f.Interface().(*http.Response)
			if hr != nil {
				for k, vs := range hr.Header {
					w.Header()[k] = vs
				}
			}
			if hr != nil && hr.StatusCode != 0 {
				status = hr.StatusCode
			}
		}
	}
	if !body.IsValid() {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, body.Interface())
}

func statusOf(name string) int {
	if name == "Default" {
		return http.StatusOK
	}
	n, err := strconv.Atoi(strings.ReplaceAll(name, "X", "0"))
	if err != nil {
		return http.StatusOK
	}
	return n
}
