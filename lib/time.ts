/**
 * Event time. Every time the tools print is wall-clock text,
 * `YYYY-MM-DDTHH:MM:SS.ffffff` with an optional zone suffix. Windows and
 * metrics work on the wall clock: its fields read as if they were UTC, in
 * microseconds ("wall microseconds"), so that output keeps the clock of the
 * input.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

export const MINUTE_US = 60_000_000;
export const HOUR_US = 60 * MINUTE_US;
export const DAY_US = 24 * HOUR_US;

/** Checks that a zone name is known to ICU (e.g. Europe/Paris); returns an error message or undefined. */
export function checkZone(tz: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return undefined;
  } catch {
    return `unknown time zone '${tz}'`;
  }
}

/**
 * Turns an input time (ISO text, or epoch microseconds) into canonical text.
 * Text without an offset keeps its clock; an instant is shown in UTC (`Z`)
 * or in `tz` with its offset. Returns undefined when the time is invalid.
 */
export function canonicalTime(input: unknown, tz?: string): string | undefined {
  // Fast path: canonical text in the hour last validated (most lines) is its own canonical form.
  if (typeof input === 'string' && input.length === 26 && input.startsWith(lastHour) && canonicalTail(input)) return input;
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0) return undefined;
    return formatInstant(input, tz);
  }
  if (typeof input !== 'string' || input.length > 40) return undefined;
  const m = ISO.exec(input);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  const micros = (frac + '000000').slice(0, 6);
  const wall = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  const back = new Date(wall);
  // Date.UTC rolls 2025-02-30 over into March: a changed field means an invalid date.
  if (back.getUTCDate() !== +d || back.getUTCMonth() !== +mo - 1 || +h > 23 || +mi > 59 || +s > 59) return undefined;
  const text = `${y}-${mo}-${d}T${h}:${mi}:${s}.${micros}`;
  if (zone === undefined) {
    if (text === input) lastHour = text.slice(0, 13);
    return text;
  }
  const offsetMin = zoneMinutes(zone);
  if (offsetMin === undefined) return undefined;
  return formatInstant((wall - offsetMin * 60_000) * 1000 + +micros, tz);
}

/** `YYYY-MM-DDTHH` of the last canonical time validated in full, never valid text before one is. */
let lastHour = '\u0000';

/** Checks `:MM:SS.ffffff` at positions 13 to 25, as the full check would. */
function canonicalTail(t: string): boolean {
  if (t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58 || t.charCodeAt(19) !== 46) return false;
  const m1 = t.charCodeAt(14) - 48;
  const s1 = t.charCodeAt(17) - 48;
  if (m1 < 0 || m1 > 5 || s1 < 0 || s1 > 5 || !digit(t, 15) || !digit(t, 18)) return false;
  for (let i = 20; i < 26; i++) if (!digit(t, i)) return false;
  return true;
}

function digit(t: string, i: number): boolean {
  const c = t.charCodeAt(i);
  return c >= 48 && c <= 57;
}

function zoneMinutes(zone: string): number | undefined {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hh = +digits.slice(0, 2);
  const mm = digits.length > 2 ? +digits.slice(2, 4) : 0;
  if (hh > 23 || mm > 59) return undefined;
  return sign * (hh * 60 + mm);
}

/** Formats an instant (epoch microseconds) in UTC or in a named zone with its offset. */
export function formatInstant(us: number, tz?: string): string {
  if (!tz || tz === 'UTC') return formatWall(us) + 'Z';
  const offset = offsetAt(tz, Math.floor(us / 1000));
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${formatWall(us + offset * 60_000_000)}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

const offsetCache = new Map<string, number>();

/** Offset of a zone from UTC in minutes at an instant; cached per zone and quarter hour. */
export function offsetAt(tz: string, ms: number): number {
  const key = `${tz}|${Math.floor(ms / 900_000)}`;
  let offset = offsetCache.get(key);
  if (offset === undefined) {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    }).formatToParts(new Date(ms));
    const get = (type: string): number => +(parts.find((p) => p.type === type)?.value ?? 0);
    const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    offset = Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
    if (offsetCache.size > 10_000) offsetCache.clear();
    offsetCache.set(key, offset);
  }
  return offset;
}

/** Wall microseconds of canonical time text (its clock fields read as UTC); NaN when malformed. */
export function wallMicros(time: string): number {
  let ms: number;
  // Seconds 00 to 59: a tens digit over 5 is no time.
  if (time.length >= 19 && time.startsWith(wallMinute) && digit(time, 17) && digit(time, 18) && time.charCodeAt(17) <= 53) {
    // Same minute as the last call: skip Date.UTC, the costly part (Date.UTC is linear in the seconds).
    ms = wallMinuteMs + ((time.charCodeAt(17) - 48) * 10 + time.charCodeAt(18) - 48) * 1000;
  } else {
    // Fixed positions: YYYY-MM-DDTHH:MM:SS.ffffff, checked cheaply, no regex on the hot path.
    if (time.length < 19 || time.charCodeAt(4) !== 45 || time.charCodeAt(10) !== 84 && time.charCodeAt(10) !== 32) return NaN;
    const minuteMs = utcMinute(num(time, 0, 4), num(time, 5, 2), num(time, 8, 2), num(time, 11, 2), num(time, 14, 2));
    const seconds = num(time, 17, 2);
    if (Number.isNaN(minuteMs) || !(seconds < 60)) return NaN;
    ms = minuteMs + seconds * 1000;
    wallMinute = time.slice(0, 16);
    wallMinuteMs = minuteMs;
  }
  let micros = 0;
  if (time.charCodeAt(19) === 46) {
    let scale = 100_000;
    for (let i = 20; i < 26 && i < time.length; i++, scale /= 10) {
      const c = time.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      micros += c * scale;
    }
  }
  return ms * 1000 + micros;
}

/**
 * Milliseconds of a UTC minute; NaN unless every field is in its range (no
 * month 13, no 30 February, no hour 24: Date.UTC would roll them over). Years
 * below 100 stay themselves (Date.UTC would read 0025 as 1925).
 */
function utcMinute(year: number, month: number, day: number, hour: number, minute: number): number {
  if (!(month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59)) return NaN;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, 0, 0);
  return d.getUTCFullYear() === year && d.getUTCDate() === day ? d.getTime() : NaN;
}

/** The minute (`YYYY-MM-DDTHH:MM`, 16 characters) of the last wallMicros call and its milliseconds. */
let wallMinute = '\u0000';
let wallMinuteMs = 0;

function num(s: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    n = n * 10 + c;
  }
  return n;
}

/** Wall microseconds back to `YYYY-MM-DDTHH:MM:SS.ffffff`. */
export function formatWall(us: number): string {
  const ms = Math.floor(us / 1000);
  const micros = us - ms * 1000;
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}`;
}

/** `YYYY-MM-DD HH:MM:00` for the minute that holds a wall time: the spec's minute label. */
export function minuteLabel(us: number): string {
  const iso = new Date(Math.floor(us / MINUTE_US) * 60_000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}:00`;
}

/** `YYYY-MM-DD HH:MM:SS` label of a wall time, for window bounds. */
export function secondLabel(us: number): string {
  const iso = new Date(Math.floor(us / 1000)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** Parses a duration such as `60s`, `1m`, `90`, `1.5h`, `500ms` into microseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { us: 1, ms: 1000, s: 1_000_000, m: MINUTE_US, h: HOUR_US, d: DAY_US }[(m[2] ?? 's') as 'us'];
  const value = Math.round(+m[1] * unit);
  return value > 0 ? value : undefined;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Epoch milliseconds of canonical time text; a time without a zone is read in the process's local zone (TZ). */
export function instantMs(time: string): number {
  const wall = Math.floor(wallMicros(time) / 1000);
  if (Number.isNaN(wall)) return NaN;
  const zone = /(Z|[+-]\d{2}:\d{2})$/.exec(time)?.[1];
  if (zone === undefined) {
    const d = new Date(wall);
    return new Date(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()).getTime();
  }
  return wall - (zoneMinutes(zone) ?? 0) * 60_000;
}

/** A duration for people: `4.2 s`, `3.5 min`, `2.0 h`, `620.6 days`. */
export function humanSeconds(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

/**
 * Epoch microseconds of canonical time text: the instant it names. A time
 * with a zone suffix is exact; a time without one is the producing machine's
 * local time (the take-home script writes `datetime.now()`), read in this
 * process's zone (TZ). NaN when malformed.
 */
export function instantMicros(time: string, wall = wallMicros(time)): number {
  if (Number.isNaN(wall)) return NaN;
  // Canonical text is 26 characters, then `Z` or `+HH:MM` when it has a zone.
  if (time.length <= 26) return wall - localOffsetUs(wall);
  return wall - (zoneMinutes(time.slice(26)) ?? 0) * MINUTE_US;
}

const localOffsets = new Map<number, number>();

/** The local zone's offset from UTC, in microseconds, at a local wall time; cached per quarter hour of wall time. */
function localOffsetUs(wall: number): number {
  const key = Math.floor(wall / 900_000_000);
  let offset = localOffsets.get(key);
  if (offset === undefined) {
    const d = new Date(Math.floor(wall / 1000));
    const local = new Date(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
    local.setFullYear(d.getUTCFullYear());
    offset = (d.getTime() - local.getTime()) * 1000;
    if (localOffsets.size > 10_000) localOffsets.clear();
    localOffsets.set(key, offset);
  }
  return offset;
}

/** The local wall time (TZ) of an instant, both in microseconds: what a zone-less timestamp written now reads. */
export function localWallMicros(epochUs: number): number {
  return epochUs - new Date(Math.floor(epochUs / 1000)).getTimezoneOffset() * MINUTE_US;
}

/**
 * The most empty minutes (or windows) filled with 0 between two with data: a
 * week of minutes. A longer gap is left as a jump and reported, so that no
 * metric fills minutes across years (one event stamped 2099, a createdAt
 * from 2022) whatever got into the data.
 */
export const MAX_FILL = 7 * 24 * 60;
