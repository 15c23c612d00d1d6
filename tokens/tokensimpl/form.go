package tokensimpl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
)

// formValues flattens the JSON encoding of body into form fields, so that
// one struct with json tags serves both encodings. Errors name fields, never
// values.
func formValues(body any) (url.Values, error) {
	b, err := wireJSON(body)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // keep numbers as sent, e.g. no 1e+06
	var fields map[string]any
	if dec.Decode(&fields) != nil {
		return nil, errors.New("form body is not a JSON object")
	}
	vals := make(url.Values, len(fields))
	for k, v := range fields {
		if err := addField(vals, k, v, true); err != nil {
			return nil, err
		}
	}
	return vals, nil
}

// addField adds v under key; top is false inside an array.
func addField(vals url.Values, key string, v any, top bool) error {
	switch v := v.(type) {
	case nil: // an unset optional field
	case string:
		vals.Add(key, v)
	case json.Number:
		vals.Add(key, v.String())
	case bool:
		vals.Add(key, strconv.FormatBool(v))
	case []any:
		if !top {
			return fmt.Errorf("form field %q: nested arrays cannot be form-encoded", key)
		}
		for _, e := range v {
			if err := addField(vals, key, e, false); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("form field %q: objects cannot be form-encoded", key)
	}
	return nil
}
