package simulate
import ("context";"os";"testing";"time";"fmt"
 "github.com/gitshift/gitshift/internal/rollout/policy")
func TestTry(t *testing.T){
 p, err := policy.LoadFile(os.Getenv("SIMPOL"), ""); if err != nil { t.Fatal(err) }
 start := time.Now()
 res, err := Run(context.Background(), Config{Policy: p, RPS: 20, BaselineError: 0.005, Scenarios: []Scenario{{CanaryError:0.005},{CanaryError:0.01},{CanaryError:0.05}}, Runs: 1000, Seed: 1})
 if err != nil { t.Fatal(err) }
 res.WriteText(os.Stdout)
 fmt.Println("elapsed", time.Since(start))
}
