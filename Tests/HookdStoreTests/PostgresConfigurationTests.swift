import HookdStore
import Testing

/// Reading the database URL; needs no server.
@Suite struct PostgresConfigurationTests {
    @Test func aFullURLIsRead() throws {
        let configuration = try PostgresStore.Configuration(
            url: "postgresql://hook%40d:p%3Ass%2Fw@db.internal:6543/hookd_prod?sslmode=require"
                + "&options=-c%20search_path%3Dtenant&application_name=node-1&connect_timeout=3"
                + "&pool_size=7&dispatch_pool_size=3&query_timeout=4"
        )
        #expect(configuration.host == "db.internal")
        #expect(configuration.port == 6543)
        #expect(configuration.username == "hook@d")
        #expect(configuration.password == "p:ss/w")
        #expect(configuration.database == "hookd_prod")
        #expect(configuration.tls == .require)
        #expect(configuration.startupOptions == "-c search_path=tenant")
        #expect(configuration.applicationName == "node-1")
        #expect(configuration.connectTimeout == .seconds(3))
        #expect(configuration.maximumConnections == 7)
        #expect(configuration.dispatchConnections == 3)
        #expect(configuration.queryTimeout == .seconds(4))
    }

    @Test func defaultsFollowLibpq() throws {
        let configuration = try PostgresStore.Configuration(url: "postgres://hookd@127.0.0.1/")
        #expect(configuration.port == 5432)
        #expect(configuration.password == nil)
        #expect(configuration.database == nil)
        #expect(configuration.tls == .prefer)
        #expect(configuration.maximumConnections == 20)
        #expect(configuration.dispatchConnections == 4)
        #expect(try PostgresStore.Configuration(url: "postgres://u@[::1]:5433/d?sslmode=disable").host == "::1")
    }

    @Test(arguments: [
        "mysql://u:secretpw@h/d",
        "postgres://:secretpw@h/d",
        "postgres://u:secretpw@/d",
        "postgres://u:secretpw@h/d?sslmode=sometimes",
        "postgres://u:secretpw@h/d?pool=9",
        "postgres://u:secretpw@h/d?pool_size=0",
        "postgres://u:secretpw@h/d?dispatch_pool_size=0",
        "postgres://u:secretpw@h/d?dispatch_pool_size=101",
        "postgres://u:secretpw@h/d?query_timeout=soon",
        "postgres://u:secretpw@h/d/more",
        "not a url at all secretpw",
    ])
    func aBadURLIsRefusedWithoutRepeatingThePassword(url: String) {
        #expect {
            _ = try PostgresStore.Configuration(url: url)
        } throws: { error in
            let text = "\(error)"
            return error is StoreError.PostgresConnectionError && text.contains("PostgreSQL URL")
                && !text.contains("secretpw")
        }
    }
}
