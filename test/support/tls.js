'use strict';
// A secured Mosquitto for the security tests: a throw-away certificate authority with a
// server and a client certificate (made with the openssl command line), TLS on a free
// loopback port, a password file and a per-device topic ACL.
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { execFileSync } = require('child_process');
const { startMosquitto, HOST } = require('./brokers');

function which(name) {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A key pair on the P-256 curve and a certificate for it, signed by `ca` (self-signed without). */
function certificate(dir, name, subject, { ca, extensions }) {
  const key = path.join(dir, `${name}.key`);
  const crt = path.join(dir, `${name}.crt`);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key], dir);
  if (!ca) {
    openssl(
      [
        'req',
        '-x509',
        '-new',
        '-key',
        key,
        '-out',
        crt,
        '-days',
        '2',
        '-subj',
        subject,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      dir,
    );
  } else {
    const csr = path.join(dir, `${name}.csr`);
    const ext = path.join(dir, `${name}.ext`);
    fs.writeFileSync(ext, extensions.join('\n') + '\n');
    openssl(['req', '-new', '-key', key, '-out', csr, '-subj', subject], dir);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        ca.crt,
        '-CAkey',
        ca.key,
        '-CAcreateserial',
        '-out',
        crt,
        '-days',
        '2',
        '-extfile',
        ext,
      ],
      dir,
    );
  }
  return { key, crt };
}

/** A test CA plus a server certificate for 127.0.0.1/localhost and one client certificate. */
function makeCertificates(dir) {
  if (!which('openssl')) throw new Error('the openssl command is not installed');
  const ca = certificate(dir, 'ca', '/CN=nightlight test CA', {});
  const server = certificate(dir, 'server', '/CN=localhost', {
    ca,
    extensions: [
      'basicConstraints=CA:FALSE',
      'keyUsage=digitalSignature',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=IP:${HOST},DNS:localhost`,
    ],
  });
  const client = certificate(dir, 'client', '/CN=nightlight test client', {
    ca,
    extensions: ['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature', 'extendedKeyUsage=clientAuth'],
  });
  return { ca: ca.crt, server, client };
}

/**
 * One password-file line in Mosquitto 2's format (PBKDF2-SHA512, 101 rounds), for when
 * mosquitto_passwd is not installed.
 */
function passwordLine(user, password) {
  const salt = crypto.randomBytes(12);
  const hash = crypto.pbkdf2Sync(password, salt, 101, 64, 'sha512');
  return `${user}:$7$101$${salt.toString('base64')}$${hash.toString('base64')}`;
}

function writePasswords(file, users) {
  const tool = which('mosquitto_passwd');
  fs.writeFileSync(file, '');
  for (const [user, password] of Object.entries(users)) {
    if (tool) execFileSync(tool, ['-b', file, user, password], { stdio: 'ignore' });
    else fs.appendFileSync(file, passwordLine(user, password) + '\n');
  }
  fs.chmodSync(file, 0o600);
}

/**
 * The topic ACL of the lesson's system, as docs/security.md shows it: each device (its user name
 * is its id) may publish only its telemetry and read only its commands; the server reads
 * every device's telemetry and writes every device's commands.
 */
function aclLines(server) {
  return [
    'pattern write %u/telemetry',
    'pattern read %u/commands',
    '',
    `user ${server}`,
    'topic read +/telemetry',
    'topic write +/commands',
    '',
  ];
}

/**
 * Started as root, Mosquitto drops to its own `mosquitto` user before it reads the
 * password and ACL files, as a real installation does: give that user the files (kept
 * private to it), as one would in /etc/mosquitto.
 */
function handToBrokerUser(dir) {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return;
  let uid;
  let gid;
  try {
    uid = Number(execFileSync('id', ['-u', 'mosquitto'], { encoding: 'utf8' }));
    gid = Number(execFileSync('id', ['-g', 'mosquitto'], { encoding: 'utf8' }));
  } catch {
    return; // no such user: Mosquitto then keeps running as root and reads the files as they are
  }
  for (const file of [dir, ...fs.readdirSync(dir).map((f) => path.join(dir, f))]) fs.chownSync(file, uid, gid);
}

/** A random password: tests never reuse a fixed secret. */
function secret() {
  return crypto.randomBytes(18).toString('base64url');
}

/**
 * Starts Mosquitto with TLS (client certificate required), password authentication and
 * the ACL. `devices` are device ids (each one a user); resolves to the broker plus the
 * certificate paths and every user's password.
 */
async function startSecureMosquitto({ devices = ['kitchen', 'hall'], server = 'nightlight-server' } = {}) {
  const certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightlight-tls-'));
  const certs = makeCertificates(certDir);
  const passwords = Object.fromEntries([...devices, server].map((user) => [user, secret()]));
  const passwordFile = path.join(certDir, 'passwords');
  const aclFile = path.join(certDir, 'acl');
  writePasswords(passwordFile, passwords);
  fs.writeFileSync(aclFile, aclLines(server).join('\n'), { mode: 0o600 });
  handToBrokerUser(certDir);
  const broker = await startMosquitto({
    config: (port, dir) => [
      'per_listener_settings false',
      `listener ${port} ${HOST}`,
      `cafile ${certs.ca}`,
      `certfile ${certs.server.crt}`,
      `keyfile ${certs.server.key}`,
      'require_certificate true',
      'tls_version tlsv1.2',
      'allow_anonymous false',
      `password_file ${passwordFile}`,
      `acl_file ${aclFile}`,
      'persistence false',
      `persistence_location ${dir}/`,
    ],
  });
  const close = broker.close;
  broker.close = async () => {
    await close();
    fs.rmSync(certDir, { recursive: true, force: true });
  };
  broker.url = `mqtts://${HOST}:${broker.port}`;
  return { broker, certs, passwords, server, devices };
}

module.exports = { makeCertificates, passwordLine, aclLines, startSecureMosquitto, handToBrokerUser, which };
