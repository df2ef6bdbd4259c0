package opora

import (
	"errors"
	"reflect"
	"testing"
)

func TestFillTemplate(t *testing.T) {
	got, err := FillTemplate("Выдана {{ клиент.фио }} ({{клиент.номер}}), {{клиент.документ}}.", map[string]string{
		"клиент.фио": "Иванов {{клиент.номер}} <b>", "клиент.номер": "7"})
	// A value is never parsed again: braces in it stay as they are.
	if err != nil || got != "Выдана Иванов {{клиент.номер}} <b> (7), ." {
		t.Fatalf("%q %v", got, err)
	}
	for body, want := range map[string]TemplateError{
		"a\nb\n{{call .X}}":         {Line: 3, Token: "{{call .X}}", Key: "doctemplate.err_code"},
		"{{клиент.вес}}":            {Line: 1, Token: "{{клиент.вес}}", Key: "doctemplate.err_unknown"},
		"{{printf \"%s\" 1}}":       {Line: 1, Token: "{{printf \"%s\" 1}}", Key: "doctemplate.err_code"},
		"x }} y":                    {Line: 1, Token: "}}", Key: "doctemplate.err_stray"},
		"ok {{клиент.фио}}\n{{a {{": {Line: 2, Token: "{{a", Key: "doctemplate.err_unclosed"},
		"{{}}":                      {Line: 1, Token: "{{}}", Key: "doctemplate.err_unknown"},
	} {
		var te *TemplateError
		if err := CheckTemplate(body); !errors.As(err, &te) || *te != want {
			t.Errorf("%q: %+v, want %+v", body, te, want)
		}
	}
}

func TestDocBlocks(t *testing.T) {
	got := DocBlocks("> Кому\n> куда\n\nисх. № 1\n\n# СПРАВКА\nВыдана\nвторая строка\n\n\nПодпись")
	want := []DocBlock{{Kind: "r", Lines: []string{"Кому", "куда"}}, {Kind: "p", Lines: []string{"исх. № 1"}},
		{Kind: "h", Lines: []string{"СПРАВКА"}}, {Kind: "p", Lines: []string{"Выдана", "вторая строка"}}, {Kind: "p", Lines: []string{"Подпись"}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v", got)
	}
}

func TestDocTemplateValidate(t *testing.T) {
	tp := &DocTemplate{Title: " ", Body: "Выдана {{клиент.возраст}}"}
	tp.Normalize()
	err := tp.Validate()
	var e *Error
	if !errors.As(err, &e) || e.Fields["title"] != "error.required" || e.Fields["body"] != "doctemplate.err_unknown" ||
		e.Args["Line"] != "1" || e.Args["Token"] != "{{клиент.возраст}}" {
		t.Fatalf("%+v", err)
	}
}
