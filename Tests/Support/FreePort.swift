import Foundation

/// A TCP port nothing listens on right now: the system picks it for a throwaway listener,
/// which is closed again before the service under test binds the port.
public func freePort() throws -> Int {
    guard let listener = SocketPort(tcpPort: 0) else { throw NoFreePort() }
    defer { listener.invalidate() }
    // A sockaddr_in or sockaddr_in6: the port is bytes 2 and 3, in network order.
    let address = [UInt8](listener.address)
    guard address.count >= 4 else { throw NoFreePort() }
    return Int(address[2]) << 8 | Int(address[3])
}

public struct NoFreePort: Error {}
