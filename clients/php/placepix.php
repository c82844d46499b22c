<?php
/**
 * placepix tokens for PHP back ends: an image URL whose text (an e-mail address, a price) is
 * encrypted, so it appears in no HTML, URL or log. Implements token format version 2 of
 * docs/token-format.md with PHP's own openssl (AES-256-GCM) and hash (HKDF, HMAC) functions:
 * no Composer package, no hand-made cryptography. One file, PHP 8.0 or later.
 *
 *     require_once 'placepix.php';
 *     $src = 'https://img.example.com' . \Placepix\Placepix::path(
 *         'jane@example.com', getenv('PLACEPIX_SECRET'), ['width' => 300, 'height' => 40]);
 *
 * The secret is the first entry of the server's PLACEPIX_SECRET_KEYS.
 */

declare(strict_types=1);

namespace Placepix;

final class Placepix
{
    /** The token format version minted here. */
    public const VERSION = 2;

    private const SALT = 'placepix keys v1';
    private const INFO = 'placepix token-v2';
    private const DETERMINISTIC = "\x00";
    private const RANDOM = "\x01";
    private const NONCE_BYTES = 12;
    private const FORMATS = ['png', 'jpeg', 'webp', 'gif', 'avif', 'bmp', 'tiff', 'ico'];
    private const ALIASES = ['jpg' => 'jpeg', 'tif' => 'tiff'];
    private const ALIGNMENTS = ['left', 'center', 'right', 'centre' => 'center', 'middle' => 'center'];
    private const OPTIONS = [
        'width', 'height', 'background', 'foreground', 'font', 'font_size', 'format', 'padding',
        'align', 'scale', 'distort', 'ttl', 'expires', 'deterministic', 'nonce',
    ];
    private const MAX_SCALE = 3;
    private const MAX_NUMBER = 999999;

    /**
     * The token for an image of `$text`. Options: width and height (required: only the
     * server measures text; the text is fitted into the box unless font_size is given),
     * background and foreground (hex: 'fff', '#ff8800', '11223380'; 'transparent'), font
     * ('lato', 'Open Sans'), font_size, format (png, jpeg, webp, gif, avif, bmp, tiff, ico),
     * padding, align (left, center, right), scale (1-3, retina), distort (anti-OCR), ttl
     * (seconds until it expires) or expires (Unix seconds), deterministic (default true: the
     * same text and options give the same token, which CDNs cache).
     *
     * @param array<string, mixed> $options
     * @throws \InvalidArgumentException naming the option that is wrong
     */
    public static function token(string $text, string $secret, array $options = []): string
    {
        $unknown = array_diff(array_keys($options), self::OPTIONS);
        if ($unknown) {
            throw new \InvalidArgumentException('unknown option ' . reset($unknown)
                . '; known: ' . implode(', ', self::OPTIONS));
        }
        $plaintext = self::plaintext($text, $options);
        $deterministic = (bool) ($options['deterministic'] ?? true);
        return self::seal($plaintext, $secret, $deterministic, $options['nonce'] ?? null);
    }

    /**
     * The path the server answers for the token, '/t/<token>', or '/t/<token>.<format>' to
     * serve another format than the token's.
     *
     * @param array<string, mixed> $options
     */
    public static function path(string $text, string $secret, array $options = [], ?string $format = null): string
    {
        $token = self::token($text, $secret, $options);
        return '/t/' . $token . ($format === null ? '' : '.' . self::format($format));
    }

    /**
     * What the token encrypts: the expiry (Unix seconds, rounded up to the minute; empty for
     * never), a line feed, and the image's canonical URL.
     *
     * @param array<string, mixed> $options
     */
    public static function plaintext(string $text, array $options, ?int $now = null): string
    {
        $expires = null;
        if (isset($options['ttl']) && isset($options['expires'])) {
            throw new \InvalidArgumentException('give ttl or expires, not both');
        }
        if (isset($options['ttl'])) {
            $expires = ($now ?? time()) + self::integer($options['ttl'], 'ttl', PHP_INT_MIN);
        } elseif (isset($options['expires'])) {
            $expires = self::integer($options['expires'], 'expires', 0, PHP_INT_MAX);
        }
        if ($expires !== null && $expires < 0) {
            throw new \InvalidArgumentException('the expiry must not be before 1970');
        }
        $expiry = $expires === null ? '' : (string) (intdiv($expires + 59, 60) * 60);  // up to the minute
        return $expiry . "\n" . self::canonicalUrl($text, $options);
    }

    /**
     * The image's URL in placepix's canonical form, as ImageSpec.canonical() writes it.
     *
     * @param array<string, mixed> $options
     */
    public static function canonicalUrl(string $text, array $options): string
    {
        if (!isset($options['width'], $options['height'])) {
            throw new \InvalidArgumentException(
                'width and height are required (only the server can measure text)'
            );
        }
        $width = self::integer($options['width'], 'width', 1);
        $height = self::integer($options['height'], 'height', 1);
        $scale = self::integer($options['scale'] ?? 1, 'scale', 1, self::MAX_SCALE);
        $background = self::colour((string) ($options['background'] ?? 'ffffff'), 'background');
        $foreground = self::colour((string) ($options['foreground'] ?? '000000'), 'foreground');
        $format = self::format((string) ($options['format'] ?? 'png'));
        $path = "/{$width}x{$height}" . ($scale !== 1 ? "@{$scale}x" : '')
            . "/{$background}/{$foreground}.{$format}";
        $align = self::align((string) ($options['align'] ?? 'center'));
        $params = [
            'text' => self::text($text),
            'font' => isset($options['font']) ? self::font((string) $options['font']) : null,
            'font_size' => isset($options['font_size'])
                ? self::integer($options['font_size'], 'font_size', 1) : null,
            'align' => $align === 'center' ? null : $align,
            'padding' => isset($options['padding'])
                ? self::integer($options['padding'], 'padding', 0) : null,
            'distort' => !empty($options['distort']) ? 1 : null,
        ];
        $query = [];
        foreach ($params as $name => $value) {
            if ($value !== null) {
                // RFC 3986, as Python's quote; a literal backslash-n is not a line break
                $query[] = $name . '=' . str_replace('%5Cn', '%5C%6E', rawurlencode((string) $value));
            }
        }
        return $path . '?' . implode('&', $query);
    }

    /**
     * Seal a plaintext (see plaintext()) into a token: AES-256-GCM under an HKDF-SHA256 key,
     * with a nonce that is HMAC-SHA256 of header and plaintext (deterministic) or random.
     * `$nonce` (12 bytes, hex) is for test vectors only.
     */
    public static function seal(string $plaintext, string $secret, bool $deterministic = true, ?string $nonce = null): string
    {
        if ($secret === '') {
            throw new \InvalidArgumentException('the secret must not be empty');
        }
        $keys = hash_hkdf('sha256', $secret, 64, self::INFO, self::SALT);
        $nonceKey = substr($keys, 0, 32);
        $aeadKey = substr($keys, 32, 32);
        $header = chr(self::VERSION) . ($deterministic ? self::DETERMINISTIC : self::RANDOM);
        if ($deterministic) {
            $iv = substr(hash_hmac('sha256', $header . $plaintext, $nonceKey, true), 0, self::NONCE_BYTES);
        } elseif ($nonce !== null) {
            $iv = hex2bin($nonce);
            if ($iv === false || strlen($iv) !== self::NONCE_BYTES) {
                throw new \InvalidArgumentException('nonce must be 12 bytes in hex');
            }
        } else {
            $iv = random_bytes(self::NONCE_BYTES);
        }
        $tag = '';
        $sealed = openssl_encrypt($plaintext, 'aes-256-gcm', $aeadKey, OPENSSL_RAW_DATA, $iv, $tag, $header, 16);
        if ($sealed === false) {
            throw new \RuntimeException('openssl could not encrypt: ' . (string) openssl_error_string());
        }
        return rtrim(strtr(base64_encode($header . $iv . $sealed . $tag), '+/', '-_'), '=');
    }

    /** The text as the server stores it: line breaks unified, tabs as spaces, NFC, no control characters. */
    private static function text(string $text): string
    {
        if (preg_match('//u', $text) !== 1) {
            throw new \InvalidArgumentException('text is not valid UTF-8');
        }
        $text = str_replace(
            ["\r\n", "\t", "\u{2028}", "\u{2029}", "\u{FFFE}", "\u{FFFF}"],
            ["\n", ' ', "\n", "\n", '', ''],
            $text
        );
        if (class_exists(\Normalizer::class)) {  // intl; without it, the server normalises
            $text = (string) \Normalizer::normalize($text, \Normalizer::FORM_C);
        }
        return (string) preg_replace('/(?!\n)\p{Cc}/u', '', $text);
    }

    private static function colour(string $value, string $name): string
    {
        if (strtolower($value) === 'transparent') {
            return '00000000';
        }
        if (preg_match('/^#?([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/', $value, $match) !== 1) {
            throw new \InvalidArgumentException(
                "$name must be a hex colour like ff8800, #fff or 11223380 (or transparent)"
            );
        }
        $digits = strtolower($match[1]);
        if (strlen($digits) <= 4) {
            $digits = implode('', array_map(fn ($d) => $d . $d, str_split($digits)));
        }
        return strlen($digits) === 8 && substr($digits, 6) === 'ff' ? substr($digits, 0, 6) : $digits;
    }

    private static function format(string $value): string
    {
        $name = strtolower($value);
        $name = self::ALIASES[$name] ?? $name;
        if ($name === 'svg') {
            throw new \InvalidArgumentException('tokens render raster formats only: SVG would carry the text as text');
        }
        if (!in_array($name, self::FORMATS, true)) {
            throw new \InvalidArgumentException('unknown format ' . $value . '; choose one of ' . implode(', ', self::FORMATS));
        }
        return $name;
    }

    private static function font(string $value): string
    {
        $name = str_replace([' ', '_'], '-', strtolower(trim($value)));
        if (preg_match('/^[a-z0-9][a-z0-9-]{0,63}$/', $name) !== 1) {
            throw new \InvalidArgumentException('font names are letters, digits and hyphens, like open-sans');
        }
        return $name;
    }

    private static function align(string $value): string
    {
        $value = strtolower($value);
        foreach (self::ALIGNMENTS as $alias => $align) {
            if ($value === $align || $value === $alias) {
                return $align;
            }
        }
        throw new \InvalidArgumentException('align must be one of left, center, right');
    }

    private static function integer(mixed $value, string $name, int $min, int $max = self::MAX_NUMBER): int
    {
        if (is_string($value) && preg_match('/^-?\d{1,18}$/', $value) === 1) {
            $value = (int) $value;
        }
        if (!is_int($value) || $value < $min || $value > $max) {
            throw new \InvalidArgumentException("$name must be a whole number from $min to $max");
        }
        return $value;
    }
}
