import Foundation
import HookdBench
package import NIOSSL
import Testing

/// A self-signed certificate for one name, made by the `openssl` command when a test needs a TLS receiver.
///
/// The key lives in a temporary folder for the test's lifetime and is never written anywhere else.
package struct TestCertificate {
    package let certificate: NIOSSLCertificate
    package let key: NIOSSLPrivateKey

    /// Where the `openssl` command is, when the machine has one.
    package static let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Makes a certificate for `name` (its subject and only DNS name), valid for a day.
    package static func make(for name: String) throws -> TestCertificate {
        let openssl = try #require(openssl, "the openssl command is not installed")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hookd-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let keyPath = folder.appendingPathComponent("key.pem").path
        let certificatePath = folder.appendingPathComponent("certificate.pem").path
        let process = try SpawnedProcess(
            executable: openssl,
            arguments: [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", keyPath, "-out", certificatePath, "-days", "1", "-subj", "/CN=\(name)",
                "-addext", "subjectAltName=DNS:\(name)",
            ],
            environment: ProcessInfo.processInfo.environment,
            standardOutput: .discard,
            standardError: .discard
        )
        while process.isRunning { usleep(10_000) }
        try #require(process.terminationStatus == 0, "openssl could not make a certificate")
        return TestCertificate(
            certificate: try #require(try NIOSSLCertificate.fromPEMFile(certificatePath).first),
            key: try NIOSSLPrivateKey(file: keyPath, format: .pem)
        )
    }

    /// A TLS server context presenting this certificate.
    package func serverContext() throws -> NIOSSLContext {
        try NIOSSLContext(
            configuration: .makeServerConfiguration(
                certificateChain: [.certificate(certificate)],
                privateKey: .privateKey(key)
            )
        )
    }
}
