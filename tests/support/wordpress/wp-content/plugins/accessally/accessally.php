<?php
/**
 * Plugin Name: AccessAlly
 * Description: A stand-in at AccessAlly's path for the test fixture: it prints the CRM tracking tags the fixture's conditions name, as AccessAlly does when a CRM's tracking is on.
 * Version: 4.9.2
 * Author: AccessAlly Desktop tests
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

add_action(
	'wp_head',
	static function () {
		if ( function_exists( "fixture_head_html" ) ) {
			echo fixture_head_html( "tracking" ); // the fixture's mu-plugin holds the tags
		}
	},
	20
);
