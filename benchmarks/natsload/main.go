// natsload sends NATS requests open-loop at a fixed rate and reports every latency.
//
// Every request is sent from its own goroutine at its scheduled instant, whether or not earlier
// replies have arrived, so a responder that falls behind shows its queueing in the latencies (no
// coordinated omission). Latency runs from the moment the request is sent; how late the generator
// itself was against the schedule (timer granularity, a busy machine) is reported apart, as the
// send lag, so that it is not charged to the responder. The payload is sent as-is; distinct
// replies are counted so the caller can decode and classify them.
//
//	natsload -url nats://127.0.0.1:4222 -subject roofkit.auth.v1.verify -payload req.bin \
//	    -rate 5000 -duration 5s > result.json
package main

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

type result struct {
	Scheduled   int            `json:"scheduled"`
	ElapsedS    float64        `json:"elapsed_s"`
	LatenciesMs []float64      `json:"latencies_ms"`
	SendLagsMs  []float64      `json:"send_lags_ms"`
	Errors      map[string]int `json:"errors"`
	Replies     map[string]int `json:"replies"`
}

func main() {
	url := flag.String("url", nats.DefaultURL, "NATS server URL")
	subject := flag.String("subject", "", "subject to request")
	payloadPath := flag.String("payload", "", "file holding the request payload")
	rate := flag.Float64("rate", 1000, "requests per second")
	duration := flag.Duration("duration", 5*time.Second, "how long to send")
	timeout := flag.Duration("timeout", 5*time.Second, "per-request timeout")
	flag.Parse()
	if *subject == "" || *rate <= 0 {
		fmt.Fprintln(os.Stderr, "natsload: -subject and a positive -rate are required")
		os.Exit(2)
	}
	payload, err := os.ReadFile(*payloadPath)
	if err != nil && *payloadPath != "" {
		fmt.Fprintln(os.Stderr, "natsload:", err)
		os.Exit(2)
	}
	nc, err := nats.Connect(*url, nats.Name("natsload"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "natsload:", err)
		os.Exit(1)
	}
	defer nc.Close()

	total := int(*rate * duration.Seconds())
	interval := time.Duration(float64(time.Second) / *rate)
	res := result{
		Scheduled:   total,
		LatenciesMs: make([]float64, 0, total),
		SendLagsMs:  make([]float64, 0, total),
		Errors:      map[string]int{},
		Replies:     map[string]int{},
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < total; i++ {
		scheduled := start.Add(time.Duration(i) * interval)
		if wait := time.Until(scheduled); wait > 0 {
			time.Sleep(wait)
		}
		wg.Add(1)
		go func(scheduled time.Time) {
			defer wg.Done()
			sent := time.Now()
			lag := sent.Sub(scheduled)
			msg, err := nc.Request(*subject, payload, *timeout)
			latency := time.Since(sent)
			mu.Lock()
			defer mu.Unlock()
			res.LatenciesMs = append(res.LatenciesMs, float64(latency.Microseconds())/1000)
			res.SendLagsMs = append(res.SendLagsMs, float64(lag.Microseconds())/1000)
			if err != nil {
				res.Errors[err.Error()]++
				return
			}
			res.Replies[base64.StdEncoding.EncodeToString(msg.Data)]++
		}(scheduled)
	}
	wg.Wait()
	res.ElapsedS = time.Since(start).Seconds()
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "natsload:", err)
		os.Exit(1)
	}
}
