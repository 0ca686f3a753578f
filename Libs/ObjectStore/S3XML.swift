/// Reads the few flat elements S3's XML answers carry (`ListBucketResult`, `Error`).
///
/// Not a general XML parser: S3 writes no attributes on the elements read here, no CDATA and
/// no nesting of an element inside one of the same name, so finding `<Name>…</Name>` and
/// decoding its entities is enough, and needs no libxml2.
enum S3XML {
    /// The text of every `<name>…</name>` in `xml`, in order, entities decoded.
    static func values(_ name: String, in xml: Substring) -> [String] {
        elements(name, in: xml).map { decodeEntities(String($0)) }
    }

    static func value(_ name: String, in xml: Substring) -> String? {
        values(name, in: xml).first
    }

    /// The raw contents of every `<name>…</name>` (an empty `<name/>` gives an empty string).
    static func elements(_ name: String, in xml: Substring) -> [Substring] {
        let open = "<\(name)>"
        let close = "</\(name)>"
        var found: [Substring] = []
        var rest = xml
        while let start = rest.range(of: "<\(name)") {
            let after = rest[start.upperBound...]
            if after.hasPrefix("/>") {
                found.append(xml[start.upperBound..<start.upperBound])
                rest = after.dropFirst(2)
                continue
            }
            guard rest[start.lowerBound...].hasPrefix(open) else {
                // A longer name with this one as its prefix (<Key> vs <KeyCount>).
                rest = after
                continue
            }
            let contentStart = rest.index(start.lowerBound, offsetBy: open.count)
            guard let end = rest[contentStart...].range(of: close) else { break }
            found.append(rest[contentStart..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        return found
    }

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semicolon = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semicolon) <= 10 else {
                out.append("&")
                rest = rest[rest.index(after: amp)...]
                continue
            }
            let entity = rest[rest.index(after: amp)..<semicolon]
            guard let decoded = decode(entity) else {
                // Not an entity: a literal `&`, and whatever follows it is read afresh.
                out.append("&")
                rest = rest[rest.index(after: amp)...]
                continue
            }
            out.unicodeScalars.append(decoded)
            rest = rest[rest.index(after: semicolon)...]
        }
        return out + rest
    }

    private static func decode(_ entity: Substring) -> Unicode.Scalar? {
        switch entity {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default:
            let number: UInt32?
            if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                number = UInt32(entity.dropFirst(2), radix: 16)
            } else if entity.hasPrefix("#") {
                number = UInt32(entity.dropFirst())
            } else {
                number = nil
            }
            return number.flatMap(Unicode.Scalar.init)
        }
    }
}
