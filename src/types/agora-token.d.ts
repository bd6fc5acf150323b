// Types for the parts of agora-token's AccessToken2 module that the service uses; the package
// ships types only for its high-level builders, which read the clock themselves.
declare module 'agora-token/src/AccessToken2.js' {
  export class Service {
    add_privilege(privilege: number, expire: number): void;
    service_type(): number;
  }
  export class ServiceRtc extends Service {
    constructor(channelName: string, uid: number | string);
    static readonly kPrivilegeJoinChannel: number;
    static readonly kPrivilegePublishAudioStream: number;
    static readonly kPrivilegePublishVideoStream: number;
    static readonly kPrivilegePublishDataStream: number;
  }
  export class ServiceRtm extends Service {
    constructor(userId: string);
    static readonly kPrivilegeLogin: number;
  }
  export class ServiceChat extends Service {
    constructor(userId?: string);
    static readonly kPrivilegeUser: number;
    static readonly kPrivilegeApp: number;
  }
  export class AccessToken2 {
    constructor(appId?: string, appCertificate?: string, issueTs?: number, expire?: number);
    appId: string;
    issueTs: number;
    expire: number;
    salt: number;
    services: Service[];
    add_service(service: Service): void;
    build(): string;
    from_string(token: string): boolean;
    verifySignature(appCertificate: string): boolean;
  }
}
