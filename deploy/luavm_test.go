package deploy

import (
	"context"
	"fmt"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// What Argo CD 2.14 (util/lua) does with a resource.customizations.health
// script, reproduced for the test: gopher-lua v1.1.1 (Argo CD's version)
// with SkipOpenLibs, then only the package, base and table libraries and a
// reduced os (time and date; this harness gives time only, the script uses
// neither). No string, math or io library: a script calling string.format
// fails here as it fails in Argo CD. The live object is the global `obj`,
// numbers as Lua numbers (Argo CD's objects carry int64 and float64); the
// script has one second; the returned table's status must be one of Argo
// CD's health codes, else Argo CD shows Unknown "Lua returned an invalid
// health status".

// healthCodes are Argo CD's health statuses (gitops-engine health).
var healthCodes = map[string]bool{
	"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true, "Missing": true, "Unknown": true,
}

type health struct{ Status, Message string }

func runHealthLua(script string, obj map[string]any) (health, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	libs := []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.OsLibName, openReducedOs},
	}
	for _, lib := range libs {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return health{}, fmt.Errorf("opening %s: %w", lib.name, err)
		}
	}
	l.PreloadModule(lua.OsLibName, func(l *lua.LState) int {
		l.Push(l.SetFuncs(l.NewTable(), reducedOs))
		return 1
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		return health{}, err
	}
	ret := l.Get(-1)
	tbl, ok := ret.(*lua.LTable)
	if !ok {
		return health{}, fmt.Errorf("the script returned %s, want a table", ret.Type())
	}
	h := health{Status: luaString(tbl.RawGetString("status")), Message: luaString(tbl.RawGetString("message"))}
	if !healthCodes[h.Status] {
		return h, fmt.Errorf("status %q is not an Argo CD health status (Argo CD would show Unknown)", h.Status)
	}
	return h, nil
}

var reducedOs = map[string]lua.LGFunction{
	"time": func(l *lua.LState) int { l.Push(lua.LNumber(time.Now().Unix())); return 1 },
}

func openReducedOs(l *lua.LState) int {
	l.Push(l.RegisterModule(lua.OsLibName, reducedOs))
	return 1
}

func luaString(v lua.LValue) string {
	if s, ok := v.(lua.LString); ok {
		return string(s)
	}
	return ""
}

// toLua converts an unstructured object the way Argo CD hands it to Lua.
func toLua(l *lua.LState, v any) lua.LValue {
	switch x := v.(type) {
	case bool:
		return lua.LBool(x)
	case string:
		return lua.LString(x)
	case int64:
		return lua.LNumber(x)
	case int:
		return lua.LNumber(x)
	case float64:
		return lua.LNumber(x)
	case []any:
		t := l.CreateTable(len(x), 0)
		for _, e := range x {
			t.Append(toLua(l, e))
		}
		return t
	case map[string]any:
		t := l.CreateTable(0, len(x))
		for k, e := range x {
			t.RawSetString(k, toLua(l, e))
		}
		return t
	}
	return lua.LNil
}
