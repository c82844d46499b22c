<?php
/**
 * Mints the tokens a JSON list of cases on standard input asks for and prints them as a JSON
 * list, one token or {"error": message} per case: how tests/test_clients.py drives this helper
 * on docs/token-vectors.json and on tokens for a real server. A case is
 * {"secret", "text", "options", "expires", "deterministic", "nonce"} as in the vector file.
 */

declare(strict_types=1);

require_once __DIR__ . '/../placepix.php';

use Placepix\Placepix;

$cases = json_decode((string) stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);
$out = [];
foreach ($cases as $case) {
    $options = $case['options'] ?? [];
    foreach (['expires', 'deterministic', 'nonce'] as $name) {
        if (isset($case[$name])) {
            $options[$name] = $case[$name];
        }
    }
    try {
        $out[] = Placepix::token($case['text'], $case['secret'], $options);
    } catch (\InvalidArgumentException $error) {
        $out[] = ['error' => $error->getMessage()];
    }
}
echo json_encode($out, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES), "\n";
