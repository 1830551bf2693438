<?xml version="1.0" encoding="UTF-8"?>
<!--
  sitemap.xsl - the sitemap, in files that a new release mostly leaves
  alone (sitemaps.org):

    /sitemap-index   sitemap.xml: a <sitemapindex> of the files below,
                     each with the newest date of its pages
    /sitemap         sitemap-pages.xml (the front door and each language's
                     newest releases) or sitemap-YYYY.xml (every published
                     release page of that year): a <urlset>, each url with
                     its language versions as xhtml:link alternates (all of
                     them, itself included, as search engines ask)
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:pr="urn:x-pr-publish"
                exclude-result-prefixes="pr">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>

  <xsl:variable name="base" select="string(/*/@base)"/>

  <xsl:template match="/sitemap-index">
    <sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <xsl:for-each select="sitemap">
        <sitemap>
          <loc><xsl:value-of select="concat($base, @path)"/></loc>
          <xsl:if test="@lastmod">
            <lastmod><xsl:value-of select="@lastmod"/></lastmod>
          </xsl:if>
        </sitemap>
      </xsl:for-each>
    </sitemapindex>
  </xsl:template>

  <xsl:template match="/sitemap">
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
            xmlns:xhtml="http://www.w3.org/1999/xhtml">
      <xsl:for-each select="url">
        <url>
          <loc><xsl:value-of select="concat($base, @path)"/></loc>
          <xsl:if test="@lastmod">
            <lastmod><xsl:value-of select="@lastmod"/></lastmod>
          </xsl:if>
          <xsl:for-each select="alternate">
            <xhtml:link rel="alternate" hreflang="{@lang}" href="{$base}{@path}"/>
          </xsl:for-each>
        </url>
      </xsl:for-each>
    </urlset>
  </xsl:template>

</xsl:stylesheet>
