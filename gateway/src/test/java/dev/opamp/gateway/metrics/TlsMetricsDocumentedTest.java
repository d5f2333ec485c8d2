package dev.opamp.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.opamp.gateway.testing.TestGateway;
import dev.opamp.gateway.testing.TestPki;
import dev.opamp.gateway.tls.ClientCertificatePolicy;
import org.junit.jupiter.api.Test;

/** The metrics only a TLS listener exports (skipped by {@link MetricsCatalogueTest}) exist and are documented. */
class TlsMetricsDocumentedTest {

  @Test
  void theTlsOnlyMetricsAreExportedAndDocumented() throws Exception {
    TestPki pki = TestPki.create("metrics");
    TestPki.Issued server = pki.server("opamp");
    try (TestGateway gateway = TestGateway.start(TestGateway.testSettings()
        .opampTlsCert(server.certFile()).opampTlsKey(server.keyFile()).build(), null, ClientCertificatePolicy.NONE)) {
      Exposition scraped = Exposition.parse(gateway.adminGet("/metrics").bodyAsString());
      for (String name : GatewayMetrics.ONLY_WITH_TLS) {
        String rendered = name.replace('.', '_');
        assertTrue(scraped.names().contains(rendered), rendered + " not exported by a TLS listener");
        assertTrue(ObservabilityFiles.documentedMetrics().contains(rendered), rendered + " missing from README");
      }
    }
  }
}
