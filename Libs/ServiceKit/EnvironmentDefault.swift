import Foundation
import Synchronization

/// Flag defaults that fall back to environment variables.
///
/// Every flag `--some-name` reads `SOME_NAME` when the flag is not given (docker-compose
/// and `.env` files configure services that way). A variable that is set but cannot be
/// parsed is remembered and reported by `CommonOptions.validate()`, so a typo fails
/// loudly instead of silently falling back to the built-in default.
public enum EnvironmentDefault {
    private static let problems = Mutex<[String]>([])

    public static func string(_ variable: String, _ fallback: String) -> String {
        value(of: variable) ?? fallback
    }

    public static func int(_ variable: String, _ fallback: Int) -> Int {
        guard let text = value(of: variable) else { return fallback }
        guard let number = Int(text) else {
            report("\(variable)=\(text) is not an integer")
            return fallback
        }
        return number
    }

    public static func bool(_ variable: String, _ fallback: Bool) -> Bool {
        guard let text = value(of: variable)?.lowercased() else { return fallback }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            report("\(variable)=\(text) is not a boolean")
            return fallback
        }
    }

    /// Problems seen while reading defaults, for `validate()`.
    static var reportedProblems: [String] { problems.withLock { $0 } }

    private static func report(_ problem: String) {
        problems.withLock { $0.append(problem) }
    }

    private static func value(of variable: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else { return nil }
        return value
    }
}
