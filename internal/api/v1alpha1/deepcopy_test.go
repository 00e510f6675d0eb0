package v1alpha1

import (
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fill sets every field reachable from v to a non-zero value, with one
// element in each slice and map, so a shallow copy shows up as aliasing.
func fill(v reflect.Value, depth int) {
	if depth > 12 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(metav1.Time{}) {
			v.Set(reflect.ValueOf(metav1.NewTime(time.Unix(1700000000, 0))))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, depth+1)
		fill(e, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Float64:
		v.SetFloat(0.5)
	}
}

// shared reports the path of a pointer, slice or map that a and b share.
func shared(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() {
			return ""
		}
		if a.Pointer() == b.Pointer() {
			return path
		}
		return shared(a.Elem(), b.Elem(), path)
	case reflect.Slice:
		if a.Len() == 0 {
			return ""
		}
		if a.Pointer() == b.Pointer() {
			return path
		}
		for i := 0; i < a.Len(); i++ {
			if p := shared(a.Index(i), b.Index(i), path+"[]"); p != "" {
				return p
			}
		}
	case reflect.Map:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return path
		}
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if a.Type().Field(i).IsExported() {
				if p := shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
					return p
				}
			}
		}
	}
	return ""
}

func TestDeepCopy(t *testing.T) {
	var p CanaryPolicy
	fill(reflect.ValueOf(&p).Elem(), 0)
	c := p.DeepCopy()
	if !reflect.DeepEqual(&p, c) {
		t.Fatal("copy differs from the original")
	}
	if path := shared(reflect.ValueOf(&p.Spec).Elem(), reflect.ValueOf(&c.Spec).Elem(), "spec"); path != "" {
		t.Errorf("%s is shared between copy and original", path)
	}
	if path := shared(reflect.ValueOf(&p.Status).Elem(), reflect.ValueOf(&c.Status).Elem(), "status"); path != "" {
		t.Errorf("%s is shared between copy and original", path)
	}
	l := &CanaryPolicyList{Items: []CanaryPolicy{p}}
	lc := l.DeepCopyObject().(*CanaryPolicyList)
	if !reflect.DeepEqual(l, lc) || &lc.Items[0] == &l.Items[0] {
		t.Error("list copy")
	}
}
