package credential_test

import (
	"testing"

	"github.com/tacit-zk/tacit/credential"
)

func TestScratch(t *testing.T) {
	for _, s := range []string{
		`{"periodStart":"2023-01","months":[{"status":"ok","amount":1},{"status":"ok","amount":1},{"status":"ok","amount":1.5}]}`,
		`{"periodStart":"2023-01","months":[{"status":"ok","amount":1},{"status":"ok","amount":-1}]}`,
		`{"periodStart":"2023-01","months":[{"status":"ok","amount":"1"}]}`,
		`{"periodStart":"2023-01","months":[{"status":"ok","amount":1e3}]}`,
		`{"PeriodStart":"2023-01","months":[{"status":"ok","amount":1}]}`,
		`{"periodStart":"2023-01","PERIODSTART":"2024-01","months":[{"status":"ok","amount":1}]}`,
		`{"periodStart":"2023-01","months":[{"ſtatus":"ok","amount":1}]}`,
		`{"periodStart":"2023-01","months":[{"status":"ok","amount":1,"x":1}]}`,
		`{"periodStart":"2023-01","months":[{"status":"ok","amount":1}]} x`,
		`{"periodStart":"2023-01","months":[{"status":"ok","amount":1}]} {}`,
		`{"periodStart":"2023-01","months":[{"status":"ok","amount":1},{"status":"ok","amount":1,"amount":2}]}`,
		`{"periodStart":"2023-01","months":[{"status":"ok","amount":1}],"periodStart":"2023-01"}`,
		`{"periodStart":"2023-01","months":[{"status":"ok","amount":1, "status":null}]}`,
		`{"periodStart":null,"months":[{"status":"ok","amount":1}]}`,
		`{"periodStart":"2023-01","months":[null]}`,
		`{"periodStart":"2023-01","months":{}}`,
		`null`,
		`[]`,
		`{"periodStart":"2023-01","months":[{"status":"ok","amount":1}],"":1}`,
		`{"periodStart":"2023-01","months":[{"status":"ok","amount":1}]}` + "\n",
	} {
		_, err := credential.ParseRecords([]byte(s))
		t.Logf("%s\n   -> %v", s, err)
	}
}
