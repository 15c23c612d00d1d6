package otel_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/authgen/authgen/internal/conformance/stdbasic"
	"github.com/authgen/authgen/internal/conformance/stdbasic/stdbasictest"
	tokensotel "github.com/authgen/authgen/tokens/otel"
)

// A generated client (here stdbasic, generated from a small payments spec)
// takes the Observer as its Config.Observer: its token requests and API
// calls become spans, named by the spec's operationId, and metrics. A
// program would pass its own TracerProvider and MeterProvider, or none to
// use the global ones; an in-memory recorder stands in for an exporter.
func ExampleNew() {
	spans := tracetest.NewSpanRecorder()
	obs, err := tokensotel.New(tokensotel.Config{
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)),
	})
	if err != nil {
		log.Fatal(err)
	}

	// The provider: the generated test double, serving one operation.
	srv := stdbasictest.NewServer("client-id", "client-secret")
	defer srv.Close()
	stdbasictest.HandleListPayments(srv, func(*http.Request) *stdbasic.ListPaymentsResponse {
		return &stdbasic.ListPaymentsResponse{JSON200: &[]stdbasic.Payment{}}
	})

	client, err := stdbasic.New(stdbasic.Config{
		ClientID: "client-id", ClientSecret: "client-secret",
		BaseURL: srv.URL, TokenBaseURL: srv.URL, HTTPClient: srv.Client(),
		Observer: obs,
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := client.ListPayments(context.Background(), nil); err != nil {
		log.Fatal(err)
	}

	for _, s := range spans.Ended() {
		attrs := map[string]string{}
		for _, a := range s.Attributes() {
			attrs[string(a.Key)] = a.Value.Emit()
		}
		switch s.Name() {
		case tokensotel.FetchSpan:
			fmt.Println(s.Name(), attrs[string(tokensotel.KindKey)], attrs[string(tokensotel.OutcomeKey)])
		case tokensotel.CallSpan:
			fmt.Println(s.Name(), attrs[string(tokensotel.OperationKey)], attrs[string(tokensotel.MethodKey)], attrs[string(tokensotel.StatusKey)])
		}
	}
	// Output:
	// authgen.token.fetch initial ok
	// authgen.api.call listPayments GET 200
}
