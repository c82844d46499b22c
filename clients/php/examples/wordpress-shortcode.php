<?php
/**
 * Plugin Name: placepix text images
 * Description: [placepix text="jane@example.com" size="300x40" alt="our e-mail address"] shows the text as an image whose URL is encrypted, so scrapers find it in no page source.
 * Version: 2.0.0
 *
 * Install: copy this file and placepix.php into wp-content/mu-plugins/ (placepix.php beside
 * it), then in wp-config.php:
 *
 *     define('PLACEPIX_URL', 'https://img.example.com');      // where `placepix serve` runs
 *     define('PLACEPIX_SECRET', 'a long random secret');      // its first PLACEPIX_SECRET_KEYS entry
 *
 * Attributes: text, size (WxH, required: only the server measures text), alt, fg, bg, font,
 * font_size, format, distort ("1", or "2" and "3" for stronger anti-OCR), ttl (seconds).
 */

declare(strict_types=1);

require_once __DIR__ . '/placepix.php';

use Placepix\Placepix;

add_shortcode('placepix', static function ($atts): string {
    $atts = shortcode_atts([
        'text' => '', 'size' => '', 'alt' => '', 'fg' => '222222', 'bg' => 'ffffff',
        'font' => null, 'font_size' => null, 'format' => 'png', 'distort' => '', 'ttl' => null,
    ], $atts, 'placepix');
    if (!preg_match('/^(\d+)x(\d+)$/', $atts['size'], $size)) {
        return '<!-- placepix: size="WIDTHxHEIGHT" is required -->';
    }
    $options = array_filter([
        'width' => (int) $size[1], 'height' => (int) $size[2],
        'foreground' => $atts['fg'], 'background' => $atts['bg'], 'font' => $atts['font'],
        'font_size' => $atts['font_size'], 'format' => $atts['format'],
        'distort' => $atts['distort'], 'ttl' => $atts['ttl'],
    ], static fn ($value) => $value !== null && $value !== '');
    try {
        $src = rtrim(PLACEPIX_URL, '/') . Placepix::path($atts['text'], PLACEPIX_SECRET, $options);
    } catch (\InvalidArgumentException $error) {
        return '<!-- placepix: ' . esc_html($error->getMessage()) . ' -->';
    }
    // The alt text says what the image is, not what it says: repeating the text would put it
    // back into the page for every scraper.
    return sprintf(
        '<img src="%s" width="%d" height="%d" alt="%s" loading="lazy" decoding="async" referrerpolicy="no-referrer">',
        esc_url($src),
        $options['width'],
        $options['height'],
        esc_attr($atts['alt'])
    );
});
