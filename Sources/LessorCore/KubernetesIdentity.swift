/// The `kubernetes.io` claim of a projected service-account token, typed.
public struct KubernetesIdentity: Sendable, Hashable, Codable {
    public struct ObjectReference: Sendable, Hashable, Codable {
        public let name: String
        public let uid: String?
        public init(name: String, uid: String?) {
            self.name = name
            self.uid = uid
        }
    }

    public let namespace: String
    public let serviceAccount: ObjectReference
    public let pod: ObjectReference?
    public let secret: ObjectReference?
    public let node: ObjectReference?

    public init(
        namespace: String, serviceAccount: ObjectReference, pod: ObjectReference? = nil,
        secret: ObjectReference? = nil, node: ObjectReference? = nil
    ) {
        self.namespace = namespace
        self.serviceAccount = serviceAccount
        self.pod = pod
        self.secret = secret
        self.node = node
    }

    /// The `sub` Kubernetes gives this service account.
    public var subject: String { "system:serviceaccount:\(namespace):\(serviceAccount.name)" }
}
